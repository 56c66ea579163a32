package rules_test

import (
	"github.com/quirkcheck/quirk/expand/testenv"
	"os/exec"
	"strings"
	"testing"
)

// requireShell finds a shell, or ends the test by testenv's policy.
func requireShell(t *testing.T, name string) string {
	t.Helper()
	return testenv.NeedTool(t, name)
}

// runShell runs script as "sh -c script t.sh args…" and returns its output
// (stdout and stderr) and whether it exited 0.
func runShell(t *testing.T, shell []string, script string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(requireShell(t, shell[0]), append(append(shell[1:], "-c", script, "t.sh"), args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err == nil
}

// TestNewRulesAgainstShells holds the claims in the docs of QK5013-QK5015
// to the real shells they name.
func TestNewRulesAgainstShells(t *testing.T) {
	t.Run("QK5013 last argument is $0 without arguments", func(t *testing.T) {
		for _, sh := range [][]string{{"bash"}, {"ksh"}, {"zsh"}} {
			if out, _ := runShell(t, sh, `printf '<%s>' "${@:$#}"`); out != "<t.sh>" {
				t.Errorf(`%s: "${@:$#}" with no arguments gave %q, want <t.sh>`, sh[0], out)
			}
			if out, _ := runShell(t, sh, `printf '<%s>' "${@:$#}"`, "a", "b"); out != "<b>" {
				t.Errorf(`%s: "${@:$#}" with a b gave %q`, sh[0], out)
			}
		}
		if out, _ := runShell(t, []string{"bash"}, `printf '<%s>' "${!#}"`); out != "<t.sh>" {
			t.Errorf(`bash: "${!#}" with no arguments gave %q, want <t.sh>`, out)
		}
	})
	t.Run("QK5014 substrings stop dash", func(t *testing.T) {
		for _, word := range []string{`"${1:0:1}"`, `"${x: -2}"`, `${x:1}`} {
			script := "x=hello; printf '<%s>' " + word + "; echo after"
			if out, ok := runShell(t, []string{"dash"}, script, "-abc"); ok || !strings.Contains(out, "Bad substitution") || strings.Contains(out, "after") {
				t.Errorf("dash ran %s: %q ok=%v, want Bad substitution and a stop", word, out, ok)
			}
			for _, sh := range [][]string{{"bash"}, {"ksh"}, {"mksh"}, {"busybox", "sh"}} {
				if out, ok := runShell(t, sh, script, "-abc"); !ok || !strings.HasSuffix(out, "after") {
					t.Errorf("%s did not accept %s: %q", sh[0], word, out)
				}
			}
		}
	})
	t.Run("QK5015 [ -n \"$@\" ]", func(t *testing.T) {
		for _, sh := range [][]string{{"bash"}, {"dash"}, {"mksh"}, {"busybox", "sh"}} {
			if out, _ := runShell(t, sh, `[ -n "$@" ] && echo true`); out != "true" {
				t.Errorf(`%s: [ -n "$@" ] with no arguments gave %q, want true`, sh[0], out)
			}
			out, _ := runShell(t, sh, `[ -z "$@" ]; echo "rc=$?"`, "a", "b")
			if !strings.HasSuffix(out, "rc=2") || !strings.Contains(out, "\n") {
				t.Errorf(`%s: [ -z "$@" ] with a b gave %q, want an error from [ and status 2`, sh[0], out)
			}
		}
	})
}
