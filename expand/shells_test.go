package expand

import (
	"errors"
	"os"
	"testing"
)

// requireShells reports whether a missing shell must fail the test instead
// of skipping it: in CI (CI=true) and wherever QUIRK_REQUIRE_SHELLS=1.
func requireShells() bool {
	return os.Getenv("QUIRK_REQUIRE_SHELLS") == "1" || os.Getenv("CI") == "true"
}

// needShell returns the engine's shell, or skips (fails under
// QUIRK_REQUIRE_SHELLS=1 / CI=true) when it is not installed.
func needShell(t testing.TB, name string) *Engine {
	t.Helper()
	sh, err := FindEngine(name, "")
	if err != nil {
		if errors.Is(err, ErrShellMissing) && !requireShells() {
			t.Skipf("skipping: %v (set QUIRK_REQUIRE_SHELLS=1 to fail instead)", err)
		}
		t.Fatalf("%v (CI installs every shell; see .ci/run)", err)
	}
	return sh
}

func TestFindEngineErrors(t *testing.T) {
	if _, err := FindEngine("csh", ""); !errors.Is(err, ErrUnknownEngine) {
		t.Errorf("FindEngine(csh) = %v, want ErrUnknownEngine", err)
	}
	if _, err := FindEngine("bash", "/nonexistent/bash"); !errors.Is(err, ErrShellMissing) {
		t.Errorf("FindEngine(bash, /nonexistent/bash) = %v, want ErrShellMissing", err)
	}
	if _, err := EvalWords(t.Context(), "fish", []WordCase{{Word: "x"}}, Options{}); !errors.Is(err, ErrUnknownEngine) {
		t.Errorf("EvalWords(fish) = %v, want ErrUnknownEngine", err)
	}
}
