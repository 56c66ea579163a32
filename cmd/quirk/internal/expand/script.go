package expand

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/quirkcheck/quirk/expand"
)

// script is "quirk expand --script FILE": the whole file under every
// engine, stdout and exit status compared (stderr with --compare-stderr).
func (o *runner) script(ctx context.Context, src, arg0 string, args, engines []string, opts expand.Options, mode expand.CompareMode) int {
	sc := expand.ScriptCase{Script: src, Arg0: arg0, Args: args}
	results, ok := o.evalAll(ctx, engines, func(e string) (expand.Result, error) {
		rs, err := expand.EvalScripts(ctx, e, []expand.ScriptCase{sc}, opts)
		if err != nil {
			return expand.Result{}, err
		}
		return rs[0], nil
	})
	if !ok {
		return ExitError
	}
	cmp := expand.Compare(results, mode)
	if o.json {
		doc := struct {
			Arg0    string       `json:"arg0"`
			Args    []string     `json:"args"`
			Results []jsonResult `json:"results"`
			Agree   bool         `json:"agree"`
			Differ  []string     `json:"differ,omitempty"`
		}{Arg0: arg0, Args: orEmpty(args), Agree: cmp.Agree, Differ: cmp.Differ}
		for _, r := range results {
			doc.Results = append(doc.Results, toJSON(r))
		}
		o.writeJSON(doc)
	} else {
		tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "engine\tstatus\tstdout\tstderr")
		for _, r := range results {
			outText := fmt.Sprintf("%q", r.Stdout)
			if r.Err != nil {
				outText = "(failed: " + r.Err.Error() + ")"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", r.Engine, r.Status, clip(outText, 60), clip(firstLine(r.Stderr), 60))
		}
		tw.Flush()
		o.verdict(results, cmp, mode)
	}
	if anyFailed(results) {
		return ExitError
	}
	if !cmp.Agree {
		return ExitDiffer
	}
	return ExitAgree
}
