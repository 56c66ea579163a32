package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// UncheckedShift reports "shift N" whose failure nobody looks at.
var UncheckedShift = register(&analysis.Analyzer{
	ID:   "QK5005",
	Name: "unchecked-shift",
	// Applies everywhere, with a message per dialect: bash goes on with the
	// same arguments, dash, ksh and mksh stop the script.
	Severity: analysis.Warning,
	Doc: `shift N fails when there are fewer than N arguments

"shift 5" with 3 arguments shifts nothing. bash returns 1 silently and the
script goes on with the same arguments (an option loop doing "shift 2" for
"-o value" never ends when -o comes last); dash prints "can't shift that many"
and exits the script; ksh93 and mksh exit too; zsh returns 1. quirk reports a
"shift N" (N a constant of 2 or more) when its status is not checked, errexit
is off, and no earlier test of $# (or "${N:?}", a test of "$N", or a read
of "$N" under set -u) guarantees N arguments. Outside a loop, a shift in a
function is reported only when a call in the file passes too few arguments.

Bad:
    -o) out=$2; shift 2 ;;

Good:
    -o) out=${2:?-o needs a value}; shift 2 ;;
    shift 2 || usage`,
	Hint:  `check the count first ((( $# >= N )) || usage) or the status (shift N || exit 1)`,
	Probe: uncheckedShiftProbe,
	Run:   runUncheckedShift,
})

func runUncheckedShift(p *analysis.Pass) {
	for _, c := range p.Index.Calls {
		if c.Name != "shift" || len(c.Call.Args) != 2 || c.StatusChecked || p.Index.Errexit {
			continue
		}
		arg := c.Call.Args[1]
		argText := p.Text(arg)
		// shift "$#" always works, and shift $((OPTIND-1)) after getopts
		// never asks for more than was there.
		if strings.Contains(argText, "OPTIND") || strings.Trim(argText, `"{}$`) == "#" {
			continue
		}
		n, known := p.EvalConst(arg)
		if !known {
			// shift "$n", shift $consumed: a count the script worked out,
			// usually from what it parsed, cannot be proved too large.
			continue
		}
		minArgs := p.Index.MinArgs(c.Func, offset(c.Call))
		if c.Loop != nil {
			// An option loop: the same finding whatever the callers pass,
			// so twin loops in twin functions are treated alike.
			minArgs = p.Index.MinChecked(c.Func, offset(c.Call))
		} else if _, _, called := p.Index.CallArity(c.Func); c.Func != nil && !called {
			// A library function whose callers are elsewhere (a sourced
			// file, a test body in a string) cannot be proved to get too
			// few arguments.
			continue
		}
		if known && (n <= 1 || minArgs >= n) || !known && minArgs > 0 {
			continue
		}
		count := argText
		if known {
			count = fmt.Sprint(n)
		}
		var what string
		switch p.Dialect {
		case analysis.Sh:
			what = `dash prints "can't shift that many" and exits the script (bash would go on silently with the same arguments)`
		case analysis.Ksh, analysis.Mksh:
			what = "ksh prints an error and exits the script"
		case analysis.Zsh:
			what = "zsh prints an error, returns 1 and shifts nothing"
		default:
			what = "bash returns 1 silently and shifts nothing, so the script goes on with the same arguments"
		}
		msg := fmt.Sprintf("shift %s with fewer than %s arguments fails: %s", argText, count, what)
		if c.Loop != nil && (p.Dialect == analysis.Bash || p.Dialect == analysis.Unknown) {
			msg += "; in this loop that means the same arguments come round again, forever"
		}
		msg += fmt.Sprintf("; check (( $# >= %s )) first or handle the status (shift %s || exit 1)", count, argText)
		expr := ""
		if known {
			expr = count // --confirm runs "shift N" with N-1 arguments
		}
		p.Report(analysis.Diagnostic{
			Start:   offset(c.Call),
			End:     end(c.Call),
			Message: msg,
			Expr:    expr,
			Fixes: []analysis.SuggestedFix{{
				Message: "exit when the shift fails",
				Edits:   []analysis.TextEdit{{Start: end(c.Call), End: end(c.Call), NewText: " || exit 1"}},
				Unsafe:  true,
			}},
		})
	}
}

// The probe runs "shift N" with one argument too few: bash shifts nothing
// ("$#" unchanged), dash exits.
var uncheckedShiftProbe = &analysis.Probe{
	Cases: func(d *analysis.Diagnostic) ([]analysis.Case, error) {
		n, err := strconv.Atoi(d.Expr)
		if err != nil || n < 1 || n > 64 {
			return nil, fmt.Errorf("the shift count is not a constant quirk could prove")
		}
		args := make([]string, n-1)
		for i := range args {
			args[i] = strconv.Itoa(i + 1)
		}
		return []analysis.Case{{Setup: "shift " + d.Expr, Word: `"$#"`, Args: args}}, nil
	},
	Shows: func(e *analysis.Evaluation) bool {
		return e.Got.Fields == nil && e.Got.Status != 0 || slices.Equal(e.Got.Fields, []string{strconv.Itoa(len(e.Case.Args))})
	},
}
