package rules

import (
	"fmt"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// SliceZero reports positional slices that start at offset 0.
var SliceZero = register(&analysis.Analyzer{
	ID:       "QK5001",
	Name:     "positional-slice-zero",
	Severity: analysis.Warning,
	Dialects: bashLike,
	Doc: `positional slice starting at 0 includes $0

In bash, ksh93 and zsh, "${@:0}" and "${*:0}" start with $0, the script name,
and only then the arguments: unlike array slices, positional slices count
from 1. Offsets that evaluate to 0 (${@:1-1}, ${@: -0}, n=0; ${@:$n}) do the
same. Inside a function $0 is still the script name in bash, not the function
name. (In the script string of bash -c '...' arg0 args, $0 is caller data and
"${@:0}" is a known idiom; quirk does not look inside such strings.)

Bad:
    exec docker compose "${@:0:1}"   # passes the script path, not $1

Good:
    exec docker compose "$1"
    printf '%s\n' "$0" "$@"          # when $0 is really wanted, say so`,
	Hint:  `start at 1 ("${@:1}", "$1"), or write "$0" explicitly if the script name is wanted`,
	Probe: sliceZeroProbe,
	Run:   runSliceZero,
})

func runSliceZero(p *analysis.Pass) {
	for _, ref := range p.Index.Lists {
		sl := ref.Exp.Slice
		if !ref.IsList() || sl == nil || ref.Exp.Length || ref.Exp.Excl {
			continue
		}
		off, ok := p.EvalConst(sl.Offset)
		if !ok || off != 0 {
			continue
		}
		expr := exprOf(p, ref)
		what := fmt.Sprintf("%s starts at $0, the script name, and then the arguments: positional slices count from 1", expr)
		if sl.Length != nil {
			if n, ok := p.EvalConst(sl.Length); ok && n == 1 {
				what = fmt.Sprintf("%s is $0, the script name, not the first argument", expr)
			} else if ok && n > 1 {
				what = fmt.Sprintf("%s is $0, the script name, followed by only %s", expr, plural(n-1, "argument"))
			}
		}
		msg := what + `; start at 1 for the arguments, or write "$0" explicitly if the script name is wanted`
		if ref.Func != nil {
			msg = fmt.Sprintf("inside function %s, %s (bash keeps $0 as the script name in functions, zsh and ksh use the function name)", ref.Func.Name.Value, msg)
		}
		d := analysis.Diagnostic{
			Start:    offset(ref.Exp),
			End:      end(ref.Exp),
			Message:  msg,
			Expr:     expr,
			Setup:    setupFor(p, sl.Offset, sl.Length),
			Contrast: replaceIn(p, ref, sl.Offset, "1"),
		}
		// Replacing the offset with 1 changes what the line does, which is
		// the point, but it is only right if $0 was not wanted: unsafe.
		d.Fixes = []analysis.SuggestedFix{{
			Message: "start the slice at 1 (the arguments without $0)",
			Edits:   []analysis.TextEdit{{Start: offset(sl.Offset), End: end(sl.Offset), NewText: "1"}},
			Unsafe:  true,
		}}
		p.Report(d)
	}
}

// The slice is shown to start with $0: its first field begins with the
// script's name.
var sliceZeroProbe = &analysis.Probe{Shows: startsWithArg0}

func startsWithArg0(e *analysis.Evaluation) bool {
	return len(e.Got.Fields) > 0 && strings.HasPrefix(e.Got.Fields[0], e.Arg0)
}
