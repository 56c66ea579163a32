package corehook

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDumpToStdout(t *testing.T) {
	core := bytes.Repeat([]byte("core\x00\x00\x00\x00"), 100000)
	m, store := handleOnce(t, core)
	code, out, errs := runMain(t, "dump", m.ID, "-o", "-", "--store", store)
	if code != 0 || out != string(core) {
		t.Fatalf("dump -o -: exit %d, %d bytes of %d\n%s", code, len(out), len(core), errs)
	}
}

// debug runs the debugger named by --debugger with -A's arguments first,
// then the core (the executable only when /proc was verified), and the
// debugger sees DEBUGINFOD_URLS.
func TestDebugDebuggerAndArgs(t *testing.T) {
	m, store := handleOnce(t, []byte("not an ELF core"))
	dir := t.TempDir()
	fake := filepath.Join(dir, "mydbg")
	record := filepath.Join(dir, "record")
	script := "#!/bin/sh\n{ printf '%s\\n' \"$@\"; echo \"URLS=$DEBUGINFOD_URLS\"; head -c 15 \"$(eval echo \\${$#})\"; echo; } > " + record + "\nexit 3\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DEBUGINFOD_URLS", "http://127.0.0.1:1/")
	code, _, errs := runMain(t, "debug", m.ID, "--store", store, "--debugger", fake, "-A", "-batch -ex bt")
	if code != 3 {
		t.Fatalf("exit %d (the debugger's 3 expected)\n%s", code, errs)
	}
	b, _ := os.ReadFile(record)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 6 || lines[0] != "-batch" || lines[1] != "-ex" || lines[2] != "bt" {
		t.Fatalf("debugger argv/env:\n%s", b)
	}
	if !strings.Contains(string(b), "URLS=http://127.0.0.1:1/") || !strings.Contains(string(b), "not an ELF core") {
		t.Errorf("DEBUGINFOD_URLS or the core did not reach the debugger:\n%s", b)
	}
	if code, _, _ := runMain(t, "debug", m.ID, "--store", store, "--debugger", "no-such-debugger-quirk"); code != exitFailure {
		t.Errorf("a missing debugger: exit %d", code)
	}
}
