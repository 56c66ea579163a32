package rules

import (
	"fmt"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// NegativeOffset reports ${@: -N} where nothing makes sure there are N
// arguments: with N-1 of them the slice starts at $0.
var NegativeOffset = register(&analysis.Analyzer{
	ID:       "QK5004",
	Name:     "positional-negative-offset-reaches-zero",
	Severity: analysis.Warning,
	Dialects: bashAndKsh,
	Doc: `negative positional offset reaches $0 when arguments are few

A negative offset counts from $#+1, so "${@: -N}" starts at $0 when there are
N-1 arguments, and is empty with fewer. In particular "${@: -1}", the usual way
to get the last argument, is the script name when there are no arguments,
not an empty string. A check of $# (or "${N:?}") before the slice silences
this rule.

Bad:
    last=${@: -1}              # the script name when called without arguments

Good:
    (( $# >= 1 )) || usage
    last=${@: -1}`,
	Hint:  `check the count first: (( $# >= N )) || usage`,
	Probe: negativeOffsetProbe,
	Run:   runNegativeOffset,
})

func runNegativeOffset(p *analysis.Pass) {
	for _, ref := range p.Index.Lists {
		sl := ref.Exp.Slice
		if !ref.IsList() || sl == nil {
			continue
		}
		off, ok := p.EvalConst(sl.Offset)
		if !ok || off >= 0 {
			continue
		}
		need := -off
		if p.Index.MinArgs(ref.Func, offset(ref.Exp)) >= need {
			continue
		}
		expr := exprOf(p, ref)
		msg := fmt.Sprintf("%s starts at $0, the script name, when %s holds %s", expr, listName(ref), plural(need-1, "argument"))
		if need == 1 {
			msg = fmt.Sprintf("%s is $0, the script name, when there are no arguments, not an empty string", expr)
		} else {
			msg += ", and is empty with fewer"
		}
		if ref.Func != nil {
			msg = fmt.Sprintf("inside function %s, %s", ref.Func.Name.Value, msg)
		}
		msg += fmt.Sprintf("; nothing before it checks $#: add (( $# >= %d )) || … first", need)
		p.Report(analysis.Diagnostic{
			Start:   offset(ref.Exp),
			End:     end(ref.Exp),
			Message: msg,
			Expr:    expr,
			Setup:   setupFor(p, sl.Offset, sl.Length),
		})
	}
}

// Like QK5001: the slice reaches back to $0.
var negativeOffsetProbe = &analysis.Probe{Shows: startsWithArg0}
