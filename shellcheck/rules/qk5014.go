package rules

import (
	"fmt"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// PosixSubstring reports ${x:offset} and ${x:offset:length} in POSIX sh.
var PosixSubstring = register(&analysis.Analyzer{
	ID:       "QK5014",
	Name:     "posix-substring",
	Severity: analysis.Error,
	Dialects: onlyPosix,
	Doc: `substring expansion ${x:1} or ${1:0:1} in a POSIX sh script

Substrings are not POSIX. dash (Debian's and Ubuntu's /bin/sh, and many
Docker images') stops the whole script with "Bad substitution" when it reaches
"${1:0:1}" or "${x: -2}"; bash, ksh, mksh and BusyBox ash accept them, so the
script works where it was written and fails where it runs (measured with dash
0.5.12). Docker entrypoints often test "${1:0:1}" = '-'.

Bad:
    #!/bin/sh
    if [ "${1:0:1}" = '-' ]; then set -- mysqld "$@"; fi

Good:
    #!/bin/sh
    case $1 in -*) set -- mysqld "$@" ;; esac`,
	Hint:       `use case "$1" in -*) …, ${x#?} / ${x%"${x#?}"}, or a bash shebang`,
	Probe:      posixSubstringProbe,
	ShellCheck: []string{"SC3057"},
	Run:        runPosixSubstring,
})

func runPosixSubstring(p *analysis.Pass) {
	for _, ref := range p.Index.Params {
		e := ref.Exp
		if e.Slice == nil || ref.IsList() || e.Index != nil || e.Excl || e.Length {
			continue // lists are QK5006's; arrays are not POSIX either way
		}
		p.Report(analysis.Diagnostic{
			Start: offset(e), End: end(e), Expr: exprOf(p, ref),
			Message: fmt.Sprintf(`%s is a bash substring: dash stops the whole script with "Bad substitution" here (bash, ksh and BusyBox ash accept it); use case "$%s" in …, ${%s#?}-style trimming, or a bash shebang`,
				p.Text(e), ref.Name(), ref.Name()),
		})
	}
}

// dash fails where bash does not.
var posixSubstringProbe = &analysis.Probe{Args: [][]string{{"-abc"}}, Shows: func(e *analysis.Evaluation) bool {
	return !e.Got.Same(e.Bash)
}}
