package format_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// TestJSONMatchesShellCheck holds the older -f json (a bare array) to real
// ShellCheck's shape, as TestJSON1MatchesShellCheck does for json1: nvim-lint
// and trunk parse it.
func TestJSONMatchesShellCheck(t *testing.T) {
	sc := requireTool(t, "shellcheck")
	path := filepath.Join(t.TempDir(), "t.sh")
	if err := os.WriteFile(path, []byte("#!/bin/bash\nunused=1\necho $1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(sc, "-f", "json", path).Output()
	var theirs []any
	if err := json.Unmarshal(out, &theirs); err != nil {
		t.Fatalf("shellcheck -f json: %v\n%s", err, out)
	}
	var ours []any
	if err := json.Unmarshal(write(t, "json", check(t, "-", "#!/bin/bash\necho \"${@:0}\"\nx=$@\n")), &ours); err != nil {
		t.Fatal(err)
	}
	shapes := func(cs []any) (fix, noFix any) {
		for _, c := range cs {
			if c.(map[string]any)["fix"] == nil {
				noFix = keyShape(c)
			} else {
				fix = keyShape(c)
			}
		}
		return fix, noFix
	}
	theirFix, theirNoFix := shapes(theirs)
	ourFix, ourNoFix := shapes(ours)
	if theirFix == nil || theirNoFix == nil || ourFix == nil || ourNoFix == nil {
		t.Fatalf("need comments with and without fixes from both tools:\n%s", out)
	}
	if !reflect.DeepEqual(ourNoFix, theirNoFix) || !reflect.DeepEqual(ourFix, theirFix) {
		t.Errorf("json comments differ in shape from ShellCheck's:\nours   %v\n       %v\ntheirs %v\n       %v", ourNoFix, ourFix, theirNoFix, theirFix)
	}
	// No results is an empty array, not null, as ShellCheck prints.
	if got := string(write(t, "json", check(t, "-", "#!/bin/bash\necho ok\n"))); got != "[]\n" {
		t.Errorf("clean -f json = %q, want []", got)
	}
}
