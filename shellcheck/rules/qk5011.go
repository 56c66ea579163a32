package rules

import (
	"fmt"
	"slices"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"mvdan.cc/sh/v3/syntax"
)

// UnquotedList reports unquoted $@, $* and their slices.
var UnquotedList = register(&analysis.Analyzer{
	ID:       "QK5011",
	Name:     "unquoted-positional-list",
	Severity: analysis.Warning,
	Dialects: splitting,
	Doc: `unquoted $@, $* or slice of them is re-split and globbed

Unquoted, every argument is split again on IFS and each piece is expanded as
a glob: an argument 'b c' becomes two, '*' becomes the files here, and empty
arguments vanish. zsh does not split, so it is not reported there.

Bad:
    exec cmd ${@:2}

Good:
    exec cmd "${@:2}"`,
	Hint:       `quote it: "$@" or "${@:2}" passes each argument as it came`,
	Probe:      unquotedListProbe,
	ShellCheck: []string{"SC2068", "SC2048", "SC2086", "SC2206"},
	Run:        runUnquotedList,
})

func runUnquotedList(p *analysis.Pass) {
	for _, ref := range p.Index.Lists {
		e := ref.Exp
		if !ref.IsList() || ref.Quote != nil || ref.Nested || e.Length || e.Excl {
			continue
		}
		switch ref.Context {
		case analysis.CtxArg, analysis.CtxList, analysis.CtxArray:
		default:
			continue // assignments, [[ ]], case and arithmetic do not split
		}
		if e.Exp != nil && (e.Exp.Op == syntax.AlternateUnset || e.Exp.Op == syntax.AlternateUnsetOrNull) {
			continue // ${@+"$@"} and friends carry their own quotes
		}
		text := p.Text(e)
		globbing := "and expands globs in them"
		if p.Index.NoglobAt(ref.Func, offset(e)) {
			globbing = "(set -f is on, so they are not globbed, but an argument with a space still becomes two)"
		}
		d := analysis.Diagnostic{
			Start:    offset(e),
			End:      end(e),
			Message:  fmt.Sprintf(`unquoted %s splits every argument again on IFS %s; write "%s"`, text, globbing, quotedAt(p, e)),
			Expr:     text,
			Contrast: `"` + quotedAt(p, e) + `"`,
			// What ShellCheck 0.9.0 reports for the same construct.
			ShellCheck: []string{"SC2068"},
		}
		switch {
		case ref.Context == analysis.CtxArray:
			d.ShellCheck = []string{"SC2206"}
		case ref.Name() == "*":
			d.ShellCheck = []string{"SC2048", "SC2086"}
		}
		if p.Index.Noglob {
			d.Setup = "set -f" // evaluate it as the script would
		}
		if ref.Name() == "@" {
			d.Fixes = []analysis.SuggestedFix{{
				Message: "quote it",
				Edits:   []analysis.TextEdit{{Start: offset(e), End: end(e), NewText: `"` + text + `"`}},
			}}
		} else {
			d.Fixes = []analysis.SuggestedFix{{
				Message: `pass the arguments separately with "$@" (unsafe if one joined word was meant: then "$*")`,
				Edits:   []analysis.TextEdit{{Start: offset(e), End: end(e), NewText: `"` + quotedAt(p, e) + `"`}},
				Unsafe:  true,
			}}
		}
		p.Report(d)
	}
}

// quotedAt is the text with $* turned into $@, for the suggestion.
func quotedAt(p *analysis.Pass, e *syntax.ParamExp) string {
	text := []byte(p.Text(e))
	i := int(e.Param.Pos().Offset()) - offset(e)
	if i >= 0 && i < len(text) && text[i] == '*' {
		text[i] = '@'
	}
	return string(text)
}

// Unquoted, the words differ from the quoted form's (the Contrast).
var unquotedListProbe = &analysis.Probe{Shows: func(e *analysis.Evaluation) bool {
	return e.Contrast != nil && !slices.Equal(e.Got.Fields, e.Contrast.Fields)
}}
