package expand

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/quirkcheck/quirk/expand"
)

// word is "quirk expand WORD": one word case under every engine, fields
// compared.
func (o *runner) word(ctx context.Context, c expand.WordCase, engines []string, opts expand.Options) int {
	results, ok := o.evalAll(ctx, engines, func(e string) (expand.Result, error) {
		rs, err := expand.EvalWords(ctx, e, []expand.WordCase{c}, opts)
		if err != nil {
			return expand.Result{}, err
		}
		return rs[0], nil
	})
	if !ok {
		return ExitError
	}
	cmp := expand.Compare(results, expand.CompareMode{})
	if o.json {
		doc := struct {
			Word    string       `json:"word"`
			Setup   string       `json:"setup,omitempty"`
			Arg0    string       `json:"arg0"`
			Args    []string     `json:"args"`
			Results []jsonResult `json:"results"`
			Agree   bool         `json:"agree"`
			Differ  []string     `json:"differ,omitempty"`
		}{Word: c.Word, Setup: c.Setup, Arg0: c.Arg0, Args: orEmpty(c.Args), Agree: cmp.Agree, Differ: cmp.Differ}
		for _, r := range results {
			doc.Results = append(doc.Results, toJSON(r))
		}
		o.writeJSON(doc)
	} else {
		fmt.Fprintf(o.stdout, "word %s   $0 <%s>   args %s\n", c.Word, c.Arg0, fieldList(c.Args))
		if c.Setup != "" {
			fmt.Fprintf(o.stdout, "setup %s\n", c.Setup)
		}
		tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "engine\tstatus\tfields\tversion")
		for _, r := range results {
			fields := expand.FieldString(r)
			if r.Err == nil && r.Fields == nil {
				fields = "(error) " + firstLine(r.Stderr)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", r.Engine, r.Status, fields, r.Version)
		}
		tw.Flush()
		o.verdict(results, cmp, expand.CompareMode{})
	}
	if anyFailed(results) {
		return ExitError
	}
	if !cmp.Agree {
		return ExitDiffer
	}
	return ExitAgree
}
