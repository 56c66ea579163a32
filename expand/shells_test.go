package expand

import (
	"errors"
	"github.com/quirkcheck/quirk/expand/testenv"
	"testing"
)

// needShell returns the engine's shell, found as the runners find it, or
// ends the test by testenv's policy when it is not installed. Any other
// error (an unknown engine) always fails.
func needShell(t testing.TB, name string) *Engine {
	t.Helper()
	sh, err := FindEngine(name, "")
	if errors.Is(err, ErrShellMissing) {
		testenv.Unmet(t, testenv.Shells, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
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
