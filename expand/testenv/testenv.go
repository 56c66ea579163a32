// Package testenv is the one answer of quirk's tests to "this machine lacks
// what the test needs": skip on a developer's machine, fail where the
// environment promises it. Every package's tests use it, so the policy
// cannot drift between copies:
//
//   - QUIRK_REQUIRE_SHELLS=1 makes a missing shell or tool (bash, zsh,
//     shellcheck, gdb, unshare, …) a failure;
//   - QUIRK_REQUIRE_ROOT=1 makes a test that needs root, or a root-only
//     kernel interface, fail when it cannot run;
//   - CI=true implies both: .ci/run installs every tool and runs as root.
//
// Any other value, "0" included, means "not required".
//
// It lives under expand because expand is the package that runs real
// shells, and quirk's top-level layout has no room for a shared internal/
// directory; it is not internal so that the tests of shellcheck, corehook,
// netprobe and cmd/quirk can import it too. It imports only the standard
// library (expand's own tests use it, so it must not import expand).
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Need is a kind of requirement a test may have of its machine.
type Need int

const (
	// Shells covers shells and the other programs CI installs.
	Shells Need = iota
	// Root covers euid 0 and what only root may touch (core_pattern,
	// network namespaces, other uids).
	Root
)

// Required reports whether an unmet need must fail the test rather than
// skip it.
func Required(n Need) bool {
	if os.Getenv("CI") == "true" {
		return true
	}
	switch n {
	case Shells:
		return os.Getenv("QUIRK_REQUIRE_SHELLS") == "1"
	case Root:
		return os.Getenv("QUIRK_REQUIRE_ROOT") == "1"
	}
	return false
}

func (n Need) variable() string {
	if n == Root {
		return "QUIRK_REQUIRE_ROOT"
	}
	return "QUIRK_REQUIRE_SHELLS"
}

// Unmet ends t because need n is not met: a failure when Required(n), a
// skip otherwise. The message says which variable decided.
func Unmet(t testing.TB, n Need, format string, args ...any) {
	t.Helper()
	why := fmt.Sprintf(format, args...)
	if Required(n) {
		t.Fatalf("%s (required: CI=true or %s=1)", why, n.variable())
	}
	t.Skipf("skipping: %s (set %s=1 to fail instead)", why, n.variable())
}

// NeedTool returns the path of program name, or ends t by Unmet(Shells).
// Shells found the way expand finds them (several binary names, a
// version check) go through expand's own helper, which calls Unmet.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Unmet(t, Shells, "%s is not installed", name)
	}
	return path
}

// NeedRoot ends t by Unmet(Root) unless the process runs as root; what
// says what the test needs root for.
func NeedRoot(t testing.TB, what string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Unmet(t, Root, "needs root: %s", what)
	}
}
