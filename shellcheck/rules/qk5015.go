package rules

import (
	"fmt"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// TestOfList reports [ -z "$@" ], [ -n "$@" ] and [ "$@" ].
var TestOfList = register(&analysis.Analyzer{
	ID:       "QK5015",
	Name:     "test-of-argument-list",
	Severity: analysis.Warning,
	Doc: `[ -n "$@" ] tests one word only when there is exactly one argument

"$@" is one word per argument, so [ sees a different test for each count:
with none, [ -n "$@" ] is [ -n ], a test that the string "-n" is not empty,
which is true; with two or more, [ fails with "binary operator expected" or
"too many arguments" (status 2, read as false) in bash, dash, mksh and
BusyBox (measured). [ -z "$@" ] is right with none only by that same luck.

Bad:
    if [ -n "$@" ]; then process "$@"; fi

Good:
    if [ $# -gt 0 ]; then process "$@"; fi
    if [ -n "$*" ]; then …       # any non-empty argument`,
	Hint: `test the count ([ $# -gt 0 ]) or the joined words ([ -n "$*" ])`,
	Run:  runTestOfList,
	// ShellCheck's SC2198 ("Arrays don't work as operands in [ ]"); it does
	// not give "test" that code.
	ShellCheck: []string{"SC2198"},
})

func runTestOfList(p *analysis.Pass) {
	for _, ref := range p.Index.Lists {
		e := ref.Exp
		if ref.Context != analysis.CtxArg || ref.Call == nil || ref.ArgPos < 1 || ref.Nested || e.Length || e.Excl || e.Exp != nil {
			continue
		}
		if name := ref.Call.Args[0].Lit(); name != "[" && name != "test" {
			continue
		}
		if !(ref.IsList() && ref.Name() == "@" || ref.IsArrayAll() && paramHead(ref)[len(paramHead(ref))-2] == '@') {
			continue
		}
		if singleElement(p, e) {
			continue // "${@: -1}" and "${@:$#}" are one word
		}
		word := p.Text(ref.Word)
		op := ""
		if ref.ArgPos > 1 {
			op = ref.Call.Args[ref.ArgPos-1].Lit()
		}
		var msg string
		switch op {
		case "-n":
			msg = fmt.Sprintf(`[ -n %s ] is true with no arguments (it becomes [ -n ], which tests the string "-n") and fails with "binary operator expected" with two or more; test [ $# -gt 0 ] or [ -n "$*" ]`, word)
		case "-z":
			msg = fmt.Sprintf(`[ -z %s ] fails with "binary operator expected" (status 2, read as false) with two or more arguments, and is true with none only because [ -z ] tests the string "-z"; test [ $# -eq 0 ] or [ -z "$*" ]`, word)
		default:
			msg = fmt.Sprintf(`%s in [ ] is one word only with exactly one argument: with none the test changes meaning, with two or more [ fails ("binary operator expected", status 2); test $# or "$*" instead`, word)
		}
		star := starVersion(p, e)
		sc := []string{}
		if ref.Call.Args[0].Lit() == "[" {
			sc = []string{"SC2198"}
		}
		p.Report(analysis.Diagnostic{
			Start: offset(ref.Word), End: end(ref.Word), Message: msg, ShellCheck: sc,
			Fixes: []analysis.SuggestedFix{{
				Message: `test the joined words, "` + star + `"`,
				Edits:   []analysis.TextEdit{{Start: offset(e), End: end(e), NewText: star}},
				Unsafe:  true, // with two or more arguments the result changes
			}},
		})
	}
}
