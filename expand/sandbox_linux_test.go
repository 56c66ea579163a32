//go:build linux

package expand

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSandbox: hostile cases end with a clear error and leave nothing
// outside their temporary directory, in bash and in the mvdan engine.
func TestSandbox(t *testing.T) {
	needShell(t, "bash")
	outside := t.TempDir()
	if err := os.Chmod(outside, 0o777); err != nil { // even a world-writable directory
		t.Fatal(err)
	}
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	written := filepath.Join(outside, "written")

	for _, engine := range []string{"bash", Mvdan} {
		t.Run(engine, func(t *testing.T) {
			t.Run("write outside", func(t *testing.T) {
				if engine == "bash" && landlockMissing() {
					t.Skip("no Landlock: an unprivileged user may still write world-writable directories")
				}
				r := evalOne(t, engine, WordCase{Setup: "echo pwned > " + shellQuote(written), Word: "done"}, Options{})
				if _, err := os.Stat(written); err == nil {
					t.Fatalf("%s wrote %s", engine, written)
				}
				if r.Stderr == "" {
					t.Errorf("no error message for the refused write (status %d)", r.Status)
				}
			})
			t.Run("write inside is fine", func(t *testing.T) {
				r := evalOne(t, engine, WordCase{Setup: "echo ok > here; read -r x < here", Word: `"$x"`}, Options{})
				if FieldString(r) != "<ok>" {
					t.Errorf("got %s, stderr %q", FieldString(r), r.Stderr)
				}
			})
			t.Run("read outside", func(t *testing.T) {
				if engine == "bash" && landlockMissing() {
					t.Skip("no Landlock: reads are limited only by file permissions")
				}
				r := evalOne(t, engine, WordCase{Setup: "read -r x < " + shellQuote(secret), Word: `"$x"`}, Options{})
				if strings.Contains(FieldString(r), "s3cret") {
					t.Fatalf("%s read the secret: %s", engine, FieldString(r))
				}
				if r.Stderr == "" {
					t.Errorf("no error message for the refused read")
				}
			})
			t.Run("run a command", func(t *testing.T) {
				r := evalOne(t, engine, WordCase{Word: `"$(touch ` + written + `)"`}, Options{})
				if !errors.Is(r.Err, ErrExecRefused) {
					t.Errorf("command substitution not refused: %v", r.Err)
				}
				r = evalOne(t, engine, WordCase{Setup: "/usr/bin/touch " + written, Word: "x"}, Options{})
				if !errors.Is(r.Err, ErrExecRefused) {
					t.Errorf("command by path not refused: %v", r.Err)
				}
				// Even when allowed, PATH holds no commands and the file
				// system stays closed.
				r = evalOne(t, engine, WordCase{Setup: "touch " + written, Word: `"$?"`}, Options{AllowExec: true})
				if FieldString(r) != "<127>" {
					t.Errorf("touch found on PATH: %s, stderr %q", FieldString(r), r.Stderr)
				}
				if _, err := os.Stat(written); err == nil {
					t.Fatalf("%s created %s", engine, written)
				}
			})
			t.Run("loop forever", func(t *testing.T) {
				start := time.Now()
				rs, err := EvalWords(t.Context(), engine, []WordCase{
					{Setup: "while :; do :; done", Word: "never"},
					{Word: `"after"`},
				}, Options{CPUSeconds: 1, Timeout: 3 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				if rs[0].Err == nil && rs[0].Status == 0 {
					t.Errorf("the loop ended well: %s", FieldString(rs[0]))
				}
				if FieldString(rs[1]) != "<after>" {
					t.Errorf("the case after the loop: %s (err %v)", FieldString(rs[1]), rs[1].Err)
				}
				if d := time.Since(start); d > 10*time.Second {
					t.Errorf("took %s", d)
				}
			})
		})
	}

	t.Run("wall clock", func(t *testing.T) {
		// A loop that does not burn CPU: only the wall-clock budget stops
		// it, the batch is killed, and the next case runs in a new process.
		rs, err := EvalWords(t.Context(), "bash", []WordCase{
			{Word: `"first"`},
			{Setup: `coproc { read -r x; }; read -r y <&"${COPROC[0]}"`, Word: "never"},
			{Word: `"after"`},
		}, Options{Timeout: time.Second, AllowExec: true})
		if err != nil {
			t.Fatal(err)
		}
		if FieldString(rs[0]) != "<first>" || FieldString(rs[2]) != "<after>" {
			t.Errorf("neighbours of the hung case: %s, %s", FieldString(rs[0]), FieldString(rs[2]))
		}
		if !errors.Is(rs[1].Err, ErrTimeout) {
			t.Errorf("hung case: err %v, status %d", rs[1].Err, rs[1].Status)
		}
	})

	t.Run("fork bomb", func(t *testing.T) {
		start := time.Now()
		// Forked subshells keep the batch shell's command line, so this
		// $0 finds the bomb's processes among other sandboxed shells.
		tag := fmt.Sprintf("quirk-bomb-%d", os.Getpid())
		rs, err := EvalWords(t.Context(), "bash", []WordCase{
			{Setup: "b() { b | b & }; b; wait", Word: "x", Arg0: tag},
			{Word: `"after"`, Arg0: tag},
		}, Options{Timeout: 3 * time.Second, MaxProcs: 32})
		if err != nil {
			t.Fatal(err)
		}
		if FieldString(rs[1]) != "<after>" {
			t.Errorf("case after the bomb: %s (err %v)", FieldString(rs[1]), rs[1].Err)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("took %s", d)
		}
		if n := processesWith(tag); n > 0 {
			t.Errorf("%d processes of the fork bomb survived", n)
		}
	})

	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("the outside directory changed: %v", entries)
	}
}

// processesWith counts live processes whose command line contains tag.
func processesWith(tag string) int {
	entries, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), tag) {
			n++
		}
	}
	return n
}

func landlockMissing() bool { return landlockVersion() == 0 }
