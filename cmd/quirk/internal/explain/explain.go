// Package explain is "quirk explain": the documentation of a check.
package explain

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// Command is "quirk explain".
var Command = &base.Command{
	Name:      "explain",
	UsageLine: "explain CHECK ...",
	Short:     "print what a check (QK5001, …) catches, with a bad and a good example",
	Run:       Main,
}

// Main prints the documentation of the named checks ("quirk explain
// QK5001"), or the list of checks without arguments.
func Main(_ context.Context, inv *base.Invocation) int {
	stdout := inv.Stdout
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: quirk explain CHECK ...   (an ID such as QK5001, a name, or a ShellCheck code such as SC2068)\n\nChecks:\n")
		for _, a := range shellcheck.Registry() {
			fmt.Fprintf(fs.Output(), "  %s  %s\n", a.ID, a.Title())
		}
		fmt.Fprintf(fs.Output(), "\nShellCheck codes for the same constructs (\"# shellcheck disable=\" of one silences the check too; SC5001 is QK5001):\n")
		for _, a := range shellcheck.Registry() {
			if len(a.ShellCheck) > 0 {
				fmt.Fprintf(fs.Output(), "  %s  %s\n", a.ID, strings.Join(a.ShellCheck, " "))
			}
		}
		fmt.Fprintf(fs.Output(), "\n%s\nFlags:\n", base.ExitStatusHelp("(not used by explain)"))
		fs.PrintDefaults()
	}
	asJSON := fs.Bool("json", false, "print the checks as JSON (all of them without CHECK)")
	args, dashed, code, ok := inv.Parse(fs, inv.Args)
	if !ok {
		return code
	}
	args = append(args, dashed...)
	if len(args) == 0 && *asJSON {
		return inv.JSON(toJSON(shellcheck.Registry()), base.ExitOK)
	}
	if len(args) == 0 {
		fs.SetOutput(stdout)
		fs.Usage()
		return base.ExitOK
	}
	code = base.ExitOK
	var checks []*analysis.Analyzer
	for _, key := range args {
		found := shellcheck.ForShellCheckCode(key)
		if a := shellcheck.Lookup(key); a != nil {
			found = []*analysis.Analyzer{a}
		}
		if len(found) == 0 {
			inv.Errorf("unknown check %q (see quirk explain)", key)
			code = base.ExitBadOptions
		}
		checks = append(checks, found...)
	}
	if *asJSON {
		return inv.JSON(toJSON(checks), code)
	}
	for i, a := range checks {
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
		fmt.Fprintf(stdout, "%s (%s): %s\nseverity: %s; applies to: %s\n", a.ID, a.Name, title, a.Severity, dialects)
		if len(a.ShellCheck) > 0 {
			fmt.Fprintf(stdout, "ShellCheck: %s (a \"# shellcheck disable=\" of these silences %s too)\n", strings.Join(a.ShellCheck, ", "), a.ID)
		}
		fmt.Fprintf(stdout, "documentation: %s\n\n%s\n\nFix: %s\n", a.URL, body, a.Hint)
	}
	return code
}

// checkJSON is one check in "quirk explain --json".
type checkJSON struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Title      string   `json:"title"`
	Severity   string   `json:"severity"`
	Dialects   []string `json:"dialects"` // empty: all dialects
	ShellCheck []string `json:"shellcheck"`
	Doc        string   `json:"doc"`
	Hint       string   `json:"hint"`
	URL        string   `json:"url"`
	Confirm    bool     `json:"confirmable"`
}

func toJSON(checks []*analysis.Analyzer) []checkJSON {
	out := make([]checkJSON, 0, len(checks))
	for _, a := range checks {
		c := checkJSON{ID: a.ID, Name: a.Name, Title: a.Title(), Severity: a.Severity.String(), Dialects: []string{},
			ShellCheck: append([]string{}, a.ShellCheck...), Doc: a.Doc, Hint: a.Hint, URL: a.URL, Confirm: a.Confirmable()}
		for _, d := range a.Dialects {
			c.Dialects = append(c.Dialects, string(d))
		}
		out = append(out, c)
	}
	return out
}
