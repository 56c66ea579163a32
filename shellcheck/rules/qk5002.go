package rules

import (
	"fmt"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"mvdan.cc/sh/v3/syntax"
)

// DefaultNotLast reports ${@:-N}, a default value mistaken for a negative
// offset.
var DefaultNotLast = register(&analysis.Analyzer{
	ID:       "QK5002",
	Name:     "positional-default-not-last",
	Severity: analysis.Warning,
	Doc: `${@:-N} is a default value, not the last N arguments

":-" is the default-value operator: "${@:-1}" expands to every argument, or to
the word "1" when there are none. The last argument is "${@: -1}", with a
space (or "${@:(-1)}"), so that the minus is read as a negative offset.

Bad:
    local filename="${@:-1}"   # every argument joined, never just the last

Good:
    local filename="${@: -1}"
    for n in "${@:-1}"; do     # deliberate: the arguments, or 1 by default`,
	Hint:  `for the last N arguments write "${@: -N}" with a space; for a default, quote it: "${@:-"N"}"`,
	Probe: defaultNotLastProbe,
	Run:   runDefaultNotLast,
})

func runDefaultNotLast(p *analysis.Pass) {
	for _, ref := range p.Index.Lists {
		e := ref.Exp.Exp
		if !ref.IsList() || e == nil || e.Op != syntax.DefaultUnsetOrNull || e.Word == nil {
			continue
		}
		// Only a bare number looks like an offset; ${@:-"1"} and
		// ${@:-default} are plainly defaults.
		n := e.Word.Lit()
		if n == "" || strings.Trim(n, "0123456789") != "" || len(e.Word.Parts) != 1 {
			continue
		}
		// Loop lists and array literals are where "the arguments, or N by
		// default" is a known idiom (for r in "${@:-1}"; a=("${@:-1}")).
		if ref.Context == analysis.CtxList || ref.Context == analysis.CtxArray {
			continue
		}
		text := p.Text(ref.Exp)
		colon := strings.Index(text, ":-")
		if colon < 0 {
			continue
		}
		expr := exprOf(p, ref)
		last := fmt.Sprintf(`"${%s: -%s}"`, ref.Name(), n)
		if p.Dialect == analysis.Sh {
			last = `eval "last=\${$#}"` + " (POSIX sh has no slices)"
		}
		p.Report(analysis.Diagnostic{
			Start: offset(ref.Exp),
			End:   end(ref.Exp),
			Message: fmt.Sprintf(`%s is every argument, or the word "%s" when there are none: ":-" is the default-value operator, not a negative offset; for the last %s write %s`,
				expr, n, plural(mustAtoi(n), "argument"), last),
			Expr:     expr,
			Contrast: strings.Replace(expr, ":-", ": -", 1),
			Fixes: []analysis.SuggestedFix{{
				Message: "use a negative offset (the last arguments) instead of a default",
				Edits:   []analysis.TextEdit{{Start: offset(ref.Exp) + colon + 1, End: offset(ref.Exp) + colon + 1, NewText: " "}},
				Unsafe:  true,
			}},
		})
	}
}

func mustAtoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' || n > 1<<20 {
			return n
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// With several arguments, the default operator gives every argument (one
// field each, or one joined field for $*) where the offset written with a
// space (the Contrast) gives only the last ones.
var defaultNotLastProbe = &analysis.Probe{Shows: func(e *analysis.Evaluation) bool {
	return len(e.Case.Args) > 1 && e.Contrast != nil && !e.Got.Same(*e.Contrast)
}}
