package expand

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// Without $TMPDIR a sandbox lives on the memory file system when the
// machine has a usable one, and is gone after the call.
func TestSandboxOnMemoryFS(t *testing.T) {
	needShell(t, "bash")
	t.Setenv("TMPDIR", "")
	os.Unsetenv("TMPDIR")
	shm, ok := memoryTempDir()
	if !ok {
		t.Skip("no executable, world-writable tmpfs at /dev/shm here")
	}
	res, err := EvalWords(context.Background(), "bash", []WordCase{{Word: `"$PWD"`}}, Options{})
	if err != nil || res[0].Err != nil || len(res[0].Fields) != 1 {
		t.Fatalf("EvalWords: %v %+v", err, res)
	}
	if dir := res[0].Fields[0]; !strings.HasPrefix(dir, shm+"/quirk-expand-") {
		t.Errorf("working directory %s, want one under %s", dir, shm)
	}
	if _, err := os.Stat(res[0].Fields[0]); !os.IsNotExist(err) {
		t.Errorf("sandbox %s left behind: %v", res[0].Fields[0], err)
	}
}
