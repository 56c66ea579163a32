package expand

import (
	"errors"
	"strings"
	"testing"
)

// TestRequireSandbox: on a machine without a layer, RequireSandbox refuses
// before anything runs, and without it the run goes on with a note.
func TestRequireSandbox(t *testing.T) {
	needShell(t, "bash")
	real := layersOf()
	defer func() { layersOf = probeLayers }()
	layersOf = func() layers {
		l := real
		l.missing = append(append([]string{}, l.missing...), LayerCgroup)
		l.notes = append(append([]string{}, l.notes...), "sandbox layer cgroup missing: test")
		return l
	}
	rs, err := EvalWords(t.Context(), "bash", []WordCase{{Word: "x"}}, Options{RequireSandbox: true})
	if !errors.Is(err, ErrSandboxIncomplete) || !strings.Contains(err.Error(), LayerCgroup) || rs != nil {
		t.Fatalf("RequireSandbox without a cgroup: %v, %v", rs, err)
	}
	if _, err := EvalScripts(t.Context(), Mvdan, []ScriptCase{{Script: "echo hi"}}, Options{RequireSandbox: true}); !errors.Is(err, ErrSandboxIncomplete) {
		t.Fatalf("scripts: %v", err)
	}
	rs, err = EvalWords(t.Context(), "bash", []WordCase{{Word: `"ok"`}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if FieldString(rs[0]) != "<ok>" || !strings.Contains(strings.Join(rs[0].Notes, "\n"), "cgroup missing") {
		t.Errorf("without RequireSandbox: %s, notes %q", FieldString(rs[0]), rs[0].Notes)
	}
}
