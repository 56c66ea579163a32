package shellcheck

import (
	"encoding/json"
	"github.com/quirkcheck/quirk/expand/testenv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// The directive forms quirk documents must not break real ShellCheck (a
// directive ShellCheck cannot parse makes it stop checking the file), and the
// form quirk warns about must really break it.
func TestDirectivesRealShellCheckAccepts(t *testing.T) {
	bin := testenv.NeedTool(t, "shellcheck")
	codes := func(src string) []int {
		t.Helper()
		file := filepath.Join(t.TempDir(), "t.sh")
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		out, _ := exec.Command(bin, "--norc", "-f", "json1", file).Output()
		var got struct {
			Comments []struct{ Code int } `json:"comments"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("shellcheck output: %v\n%s", err, out)
		}
		var cs []int
		for _, c := range got.Comments {
			cs = append(cs, c.Code)
		}
		return cs
	}
	for _, src := range []string{
		"#!/bin/bash\n# quirk disable=QK5001 -- deliberate\necho \"${@:0}\"\n",
		"#!/bin/bash\necho \"${@:0}\" # quirk disable=QK5001 -- deliberate\n",
		"#!/bin/bash\n# quirk disable-file=QK5001,positional-slice-zero -- generated\necho \"${@:0}\"\n",
		"#!/bin/bash\n# shellcheck disable=SC5001\necho \"${@:0}\"\n",
	} {
		for _, c := range codes(src) {
			if c < 2000 {
				t.Errorf("ShellCheck reports SC%d on the documented directive in:\n%s", c, src)
			}
		}
	}
	broken := codes("#!/bin/bash\n# shellcheck disable=QK5001\necho \"${@:0}\"\n")
	if !slices.Contains(broken, 1073) {
		t.Errorf("# shellcheck disable=QK5001 no longer breaks ShellCheck (got %v): revisit the QK5900 warning", broken)
	}
}
