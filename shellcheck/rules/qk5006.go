package rules

import (
	"fmt"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// PosixPositional reports positional syntax that POSIX sh lacks.
var PosixPositional = register(&analysis.Analyzer{
	ID:       "QK5006",
	Name:     "posix-positional-syntax",
	Severity: analysis.Error,
	Dialects: onlyPosix,
	Doc: `positional slicing, ${!#} or ${#@} in a POSIX sh script

These are bash features. In a #!/bin/sh script dash stops with "Bad
substitution" on "${@:2}"; BusyBox ash accepts it but slices the characters of
the joined arguments ("${@:0:1}" with -n gives "-"); "${!#}" is silently empty
in dash; "${#@}" is the length of the joined arguments in dash, not the count.

Bad:
    #!/bin/sh
    rest="${@:2}"; last="${!#}"; n=${#@}

Good:
    #!/bin/sh
    shift; rest="$*"; eval "last=\${$#}"; n=$#`,
	Hint:  `use shift, $#, and eval "last=\${$#}"; or switch the shebang to bash`,
	Probe: posixPositionalProbe,
	// Not SC3053 (indirect expansion): ShellCheck 0.9.0 never gives ${!#}
	// that code, so a file-wide disable=SC3053 meant for other
	// indirections must not hide it.
	ShellCheck: []string{"SC3057", "SC3058"},
	Run:        runPosixPositional,
})

func runPosixPositional(p *analysis.Pass) {
	for _, ref := range p.Index.Params {
		e := ref.Exp
		d := analysis.Diagnostic{Start: offset(e), End: end(e), Expr: exprOf(p, ref)}
		switch {
		case ref.IsList() && e.Slice != nil:
			d.ShellCheck = []string{"SC3057"}
			d.Message = fmt.Sprintf(`%s is bash syntax: dash stops with "Bad substitution", BusyBox ash slices the characters of the joined arguments; use shift and "$@", or a bash shebang`, p.Text(e))
		case e.Excl && ref.Name() == "#" && e.Index == nil:
			d.ShellCheck = []string{}
			d.Message = `${!#} (the last argument) is bash syntax: dash expands it to an empty string without an error; use eval "last=\${$#}"`
		case e.Length && ref.IsList():
			d.ShellCheck = []string{"SC3058"}
			d.Message = fmt.Sprintf(`%s is the length of the joined arguments in dash, not their count; use $#`, p.Text(e))
			d.Fixes = []analysis.SuggestedFix{{
				Message: "use $# for the argument count",
				Edits:   []analysis.TextEdit{{Start: offset(e), End: end(e), NewText: "$#"}},
			}}
		default:
			continue
		}
		p.Report(d)
	}
}

// dash (the script's shell) and bash disagree on the same word.
var posixPositionalProbe = &analysis.Probe{Shows: func(e *analysis.Evaluation) bool {
	return len(e.Case.Args) > 0 && !e.Got.Same(e.Bash)
}}
