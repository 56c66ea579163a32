package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck"
)

// Explain prints the documentation of the named checks ("quirk explain
// QK5001"), or the list of checks without arguments.
func Explain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(stdout, "Usage: quirk explain CHECK ...   (an ID such as QK5001, or a name)\n\nChecks:\n")
		for _, a := range shellcheck.Registry() {
			fmt.Fprintf(stdout, "  %s  %s\n", a.ID, a.Title())
		}
		return ExitOK
	}
	code := ExitOK
	for i, key := range args {
		a := shellcheck.Lookup(key)
		if a == nil {
			fmt.Fprintf(stderr, "quirk explain: unknown check %q (see quirk explain)\n", key)
			code = ExitBadOptions
			continue
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		dialects := "all dialects"
		if len(a.Dialects) > 0 {
			var names []string
			for _, d := range a.Dialects {
				names = append(names, string(d))
			}
			dialects = strings.Join(names, ", ")
		}
		title, body, _ := strings.Cut(a.Doc, "\n\n")
		fmt.Fprintf(stdout, "%s (%s): %s\nseverity: %s; applies to: %s\n\n%s\n\nFix: %s\n", a.ID, a.Name, title, a.Severity, dialects, body, a.Hint)
	}
	return code
}
