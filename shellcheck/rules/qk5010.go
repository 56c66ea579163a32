package rules

import (
	"fmt"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// OldBash reports positional and slice syntax that older bash versions read
// differently. It runs only when a target version is given.
var OldBash = register(&analysis.Analyzer{
	ID:       "QK5010",
	Name:     "old-bash-version-trap",
	Severity: analysis.Warning,
	Dialects: onlyBash,
	Doc: `expansion that an older bash reads differently

Reported only when --target-bash (or target-bash in .quirkrc) names an old
version, such as 3.2 for macOS's /bin/bash:
  - before 4.0 "${@:0}" has no $0 (it starts at $1);
  - before 4.1 "${@:0:n}" yields one element too few;
  - before 4.2 a negative length on a string ("${s:1:-1}") is an error;
  - before 4.3 a negative array subscript ("${a[-1]}") is an error.

Bad (with --target-bash=3.2):
    name=${file:0:-3}

Good:
    name=${file%???}`,
	Hint: `write it in a form every targeted bash reads the same way, or raise --target-bash`,
	Run:  runOldBash,
})

func runOldBash(p *analysis.Pass) {
	target := p.TargetBash
	if target == 0 || target >= 403 {
		return
	}
	version := fmt.Sprintf("bash %d.%d", target/100, target%100)
	for _, ref := range p.Index.Params {
		e := ref.Exp
		report := func(format string, args ...any) {
			p.Report(analysis.Diagnostic{Start: offset(e), End: end(e), Message: fmt.Sprintf(format, args...) + " (target " + version + ")"})
		}
		if sl := e.Slice; sl != nil {
			off, offOK := p.EvalConst(sl.Offset)
			n, lenOK := p.EvalConst(sl.Length)
			switch {
			case ref.IsList() && offOK && off == 0 && target < 400:
				report(`%s starts at $1 before bash 4.0 but at $0 from 4.0 on: the script means different things on macOS's /bin/bash and on Linux`, p.Text(e))
			case ref.IsList() && offOK && off == 0 && lenOK && n > 1 && target < 401:
				report(`%s yields one element too few in bash 4.0 (fixed in 4.1)`, p.Text(e))
			case !ref.IsList() && !ref.IsArrayAll() && lenOK && n < 0 && target < 402:
				report(`%s: a negative length is an error before bash 4.2 ("substring expression < 0")`, p.Text(e))
			}
		}
		if e.Index != nil && !ref.IsArrayAll() && target < 403 {
			if i, ok := p.EvalConst(e.Index); ok && i < 0 {
				report(`%s: a negative array subscript is "bad array subscript" before bash 4.3`, p.Text(e))
			}
		}
	}
}
