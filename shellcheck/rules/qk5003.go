package rules

import (
	"fmt"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// NegativeLength reports ${@:o:-n} and ${a[@]:o:-n}, runtime errors in bash.
var NegativeLength = register(&analysis.Analyzer{
	ID:       "QK5003",
	Name:     "list-slice-negative-length",
	Severity: analysis.Error,
	Dialects: onlyBash,
	Doc: `negative slice length on $@, $* or an array is an error in bash

bash allows a negative length on strings since 4.2 ("${s:1:-1}" drops the last
character) but never on "$@", "$*" or arrays: "${@:1:-1}" stops the current
line with "substring expression < 0" and sets $? to 1; the next line runs.
zsh accepts the same text, so scripts ported from zsh carry it.

Bad:
    exec "${@:1:-1}"           # all but the last argument, zsh style

Good:
    exec "${@:1:($#>1?$#-1:0)}"

The plain "${@:1:$#-1}" fails the same way when there are no arguments
($#-1 is -1), so the length is clamped at 0.`,
	Hint:  `compute the length, clamped at 0: "${@:1:($#>1?$#-1:0)}" for all but the last argument, "${a[@]:0:(${#a[@]}>1?${#a[@]}-1:0)}" for arrays`,
	Probe: negativeLengthProbe,
	Run:   runNegativeLength,
})

func runNegativeLength(p *analysis.Pass) {
	for _, ref := range p.Index.Lists {
		sl := ref.Exp.Slice
		if sl == nil || sl.Length == nil || !(ref.IsList() || ref.IsArrayAll()) {
			continue
		}
		n, ok := p.EvalConst(sl.Length)
		if !ok || n >= 0 {
			continue
		}
		expr := exprOf(p, ref)
		d := analysis.Diagnostic{
			Start: offset(ref.Exp),
			End:   end(ref.Exp),
			Message: fmt.Sprintf(`%s stops this line in bash with "substring expression < 0": negative lengths work on strings, not on %s`,
				expr, listName(ref)),
			Expr:  expr,
			Setup: arraySetup(ref, setupFor(p, sl.Offset, sl.Length)),
		}
		// The line always fails today, so computing the length from the
		// count can only make it work: a safe fix when the offset is known.
		// The length is clamped at 0, or the fix would fail the same way
		// with fewer elements than it drops ("${@:1:$#-1}" with no
		// arguments); TestNegativeLengthFix runs it in bash with 0 to 3.
		if off, ok := p.EvalConst(sl.Offset); ok && off >= 0 {
			var length string
			if ref.IsList() {
				start := max(off, 1) // "$@" indices start at 1
				if off == 0 {
					start = 0 // $0 first: one more element than $#
				}
				length = clampedLength("$#", start-1-n)
			} else {
				length = clampedLength("${#"+ref.Exp.Param.Value+"[@]}", off-n)
			}
			offText := p.Text(sl.Offset)
			if strings.HasPrefix(offText, "-") {
				offText = " " + offText
			}
			d.Message += fmt.Sprintf(`; write "${%s:%s:%s}"`, paramHead(ref), offText, length)
			d.Fixes = []analysis.SuggestedFix{{
				Message: "compute the length from the count",
				Edits:   []analysis.TextEdit{{Start: offset(sl.Length), End: end(sl.Length), NewText: length}},
			}}
		}
		p.Report(d)
	}
}

// bash stops the line with "substring expression < 0" although there are
// arguments to slice.
var negativeLengthProbe = &analysis.Probe{Shows: func(e *analysis.Evaluation) bool {
	return len(e.Case.Args) > 0 && e.Got.Status != 0 && strings.Contains(e.Got.Stderr, "substring expression")
}}

// clampedLength is count minus drop, but never below 0: "$#" when nothing
// is dropped, else "(count>drop?count-drop:0)".
func clampedLength(count string, drop int) string {
	if drop <= 0 {
		return count
	}
	return fmt.Sprintf("(%s>%d?%s-%d:0)", count, drop, count, drop)
}
