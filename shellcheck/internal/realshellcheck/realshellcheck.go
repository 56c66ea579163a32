// Package realshellcheck runs the real ShellCheck for tests that hold quirk's
// ShellCheck compatibility (directive scope, code mapping) to the program
// itself rather than to what its documentation says.
package realshellcheck

import (
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/quirkcheck/quirk/expand/testenv"
)

// Comment is one ShellCheck finding: 1-based line and column, and the code
// without its SC prefix.
type Comment struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Code   int `json:"code"`
}

// Comments runs "shellcheck --norc -f json1 file" and returns its findings.
// The test fails when ShellCheck is missing and tools are required
// (testenv.NeedTool), and skips otherwise.
func Comments(t testing.TB, file string) []Comment {
	t.Helper()
	bin := testenv.NeedTool(t, "shellcheck")
	out, _ := exec.Command(bin, "--norc", "-f", "json1", file).Output() // exit 1: findings
	var got struct {
		Comments []Comment `json:"comments"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s: shellcheck output: %v\n%s", file, err, out)
	}
	return got.Comments
}
