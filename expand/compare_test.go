package expand

import (
	"errors"
	"testing"
)

// TestCompareDiffNamesOnlyWhatDiffers: the diff a user reads when engines
// disagree shows each differing part once, quoted, and nothing that agrees.
func TestCompareDiffNamesOnlyWhatDiffers(t *testing.T) {
	bash := Result{Engine: "bash", Fields: []string{"a b", ""}, Stdout: "out", Status: 1, Stderr: "e1"}
	for _, tc := range []struct {
		name  string
		other Result
		mode  CompareMode
		want  string
	}{
		{"same", bash, CompareMode{ExactStatus: true, Stderr: true}, ""},
		{"fields", Result{Fields: []string{"a", "b", ""}, Stdout: "out", Status: 1},
			CompareMode{}, "  Fields:\n-\t[\"a b\" \"\"]\n+\t[\"a\" \"b\" \"\"]\n"},
		{"never printed", Result{Stdout: "out", Status: 1},
			CompareMode{}, "  Errored:\n-\tfalse\n+\ttrue\n  Fields:\n-\t[\"a b\" \"\"]\n+\tnone\n"},
		{"stdout with a tab", Result{Fields: []string{"a b", ""}, Stdout: "o\tut", Status: 1},
			CompareMode{}, "  Stdout:\n-\t\"out\"\n+\t\"o\\tut\"\n"},
		{"status only when exact", Result{Fields: []string{"a b", ""}, Stdout: "out", Status: 2},
			CompareMode{}, ""},
		{"exact status", Result{Fields: []string{"a b", ""}, Stdout: "out", Status: 2, Stderr: "e1"},
			CompareMode{ExactStatus: true, Stderr: true}, "  Status:\n-\t1\n+\t2\n"},
		{"stderr", Result{Fields: []string{"a b", ""}, Stdout: "out", Status: 1, Stderr: "e2"},
			CompareMode{Stderr: true}, "  Stderr:\n-\t\"e1\"\n+\t\"e2\"\n"},
		{"engine failure", Result{Fields: []string{"a b", ""}, Stdout: "out", Status: 1, Err: errors.New("boom")},
			CompareMode{}, "  Failed:\n-\tfalse\n+\ttrue\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.other.Engine = "dash"
			c := Compare([]Result{bash, tc.other}, tc.mode)
			want := ""
			if tc.want != "" {
				want = "bash vs dash (-bash +dash):\n" + tc.want
			}
			if c.Diff != want || c.Agree != (want == "") {
				t.Errorf("Compare: agree %v, diff\n%s\nwant\n%s", c.Agree, c.Diff, want)
			}
		})
	}
	empty := Result{Engine: "bash", Fields: []string{}}
	if d := Compare([]Result{empty, {Engine: "zsh"}}, CompareMode{}).Diff; d != "bash vs zsh (-bash +zsh):\n  Errored:\n-\tfalse\n+\ttrue\n  Fields:\n-\t[]\n+\tnone\n" {
		t.Errorf("no fields against never printed: %q", d)
	}
}
