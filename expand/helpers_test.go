package expand

import (
	"os/exec"
	"strings"
	"testing"
)

var reprArgs = []string{"", "a", "b c", "it's", `say "hi"`, `both ' and "`, "back\\slash", "tab\there", "nl\nx", "cr\r", "bell\a", "del\x7f", "-n", "é"}

// TestArgvHelpers: the sandbox's argv.py (a bash script), the mvdan
// engine's in-process argv.py and, where installed, CPython itself print
// the same list repr.
func TestArgvHelpers(t *testing.T) {
	needShell(t, "bash")
	want := PythonListRepr(reprArgs) + "\n"
	if py, err := exec.LookPath("python3"); err == nil {
		out, err := exec.Command(py, append([]string{"-c", "import sys; print(sys.argv[1:])"}, reprArgs...)...).Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != want {
			t.Errorf("PythonListRepr differs from CPython:\n got %s\nwant %s", want, out)
		}
	} else {
		t.Log("python3 not installed: checking the two helpers against each other only")
	}
	for _, engine := range []string{"bash", Mvdan} {
		rs, err := EvalScripts(t.Context(), engine, []ScriptCase{{Script: `argv.py "$@"`, Args: reprArgs}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rs[0].Stdout != want || rs[0].Status != 0 {
			t.Errorf("%s argv.py:\n got %q (status %d, stderr %q)\nwant %q", engine, rs[0].Stdout, rs[0].Status, rs[0].Stderr, want)
		}
	}
	if got := PythonListRepr(nil); got != "[]" {
		t.Errorf("empty list: %s", got)
	}
	if !strings.Contains(PythonListRepr([]string{"it's"}), `"it's"`) {
		t.Error("a single quote should switch to double quotes")
	}
}

func evalOne(t *testing.T, engine string, c WordCase, opts Options) Result {
	t.Helper()
	rs, err := EvalWords(t.Context(), engine, []WordCase{c}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rs[0]
}
