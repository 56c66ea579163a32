package rules

import (
	"fmt"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"mvdan.cc/sh/v3/syntax"
)

// LastArgZero reports "${!#}" and "${@:$#}", the last argument, where
// nothing makes sure there is one: with no arguments both are $0.
var LastArgZero = register(&analysis.Analyzer{
	ID:       "QK5013",
	Name:     "last-argument-is-zero-without-arguments",
	Severity: analysis.Warning,
	Dialects: bashLike,
	Doc: `"${!#}" and "${@:$#}" are $0 when there are no arguments

Both mean "the last argument", and with no arguments $# is 0, so they are
"${0}" and "${@:0}": the script name (bash 5.2, ksh93 and zsh 5.9, measured),
not an empty string. This is the trap of "${@: -1}" (QK5004) in another
spelling. A check of $# (or "${1:?}") before it silences this rule.

Bad:
    last=${!#}                 # the script name when called without arguments

Good:
    (( $# >= 1 )) || usage
    last=${!#}`,
	Hint:  `check the count first: (( $# >= 1 )) || usage`,
	Probe: lastArgZeroProbe,
	Run:   runLastArgZero,
})

func runLastArgZero(p *analysis.Pass) {
	for _, ref := range p.Index.Params {
		e := ref.Exp
		switch {
		case e.Excl && ref.Name() == "#" && e.Index == nil && e.Exp == nil && e.Slice == nil && e.Repl == nil:
			if p.Dialect != analysis.Bash {
				continue // ${!#} is bash's indirection
			}
		case ref.IsList() && e.Slice != nil && e.Slice.Length == nil && isHashWord(e.Slice.Offset):
		default:
			continue
		}
		if p.Index.MinArgs(ref.Func, offset(e)) >= 1 {
			continue
		}
		expr := exprOf(p, ref)
		msg := fmt.Sprintf("%s is $0, the script name, when there are no arguments, not an empty string", expr)
		if ref.Func != nil {
			msg = "inside function " + ref.Func.Name.Value + ", " + msg
		}
		msg += "; nothing before it checks $#: add (( $# >= 1 )) || … first"
		p.Report(analysis.Diagnostic{Start: offset(e), End: end(e), Message: msg, Expr: expr})
	}
}

// isHashWord reports an arithmetic operand that is just $# (or ${#}).
func isHashWord(x syntax.ArithmExpr) bool {
	w, ok := x.(*syntax.Word)
	return ok && len(w.Parts) == 1 && isHash(w.Parts[0])
}

// With no arguments the word starts with $0.
var lastArgZeroProbe = &analysis.Probe{Args: [][]string{{}, {"one"}}, Shows: startsWithArg0}
