package expand

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A private $TMPDIR (mode 0700, as testscript and PrivateTmp make) must not
// lock the sandbox user out: "quirk check --confirm" failed with
// "fork/exec /usr/bin/bash: permission denied" under such a TMPDIR.
func TestPrivateTMPDIR(t *testing.T) {
	requireBashForTmpdir(t)
	private := filepath.Join(t.TempDir(), "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", private)
	if worldTraversable(private) {
		t.Fatalf("%s should not be traversable by others", private)
	}
	res, err := EvalWords(context.Background(), "bash", []WordCase{{Word: `"${@:0:1}"`, Arg0: "t.sh", Args: []string{"a"}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || !slices.Equal(res[0].Fields, []string{"t.sh"}) {
		t.Fatalf("got %+v", res[0])
	}
	if entries, _ := os.ReadDir(private); len(entries) != 0 {
		t.Errorf("sandbox made in the private TMPDIR: %v", entries)
	}
}

func requireBashForTmpdir(t *testing.T) { needShell(t, "bash") }
