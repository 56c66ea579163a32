package corehook

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIQueries(t *testing.T) {
	core := synthCore(t, 1000)
	m, store := handleOnce(t, true, core)

	code, out, _ := runMain(t, "list", "--json", "--store", store)
	var metas []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &metas) != nil || len(metas) != 1 {
		t.Fatalf("list --json: %d %s", code, out)
	}
	for _, k := range []string{"id", "time", "pid", "uid", "gid", "signal", "comm", "exe", "size", "core_path", "truncated", "build_ids"} {
		if _, ok := metas[0][k]; !ok {
			t.Errorf("list --json lacks %q", k)
		}
	}
	code, out, _ = runMain(t, "list", "--store", store)
	if code != 0 || !strings.Contains(out, m.ID) || !strings.Contains(out, "SIGSEGV") || !strings.Contains(out, "crashy") {
		t.Errorf("list: %d\n%s", code, out)
	}
	code, out, _ = runMain(t, "info", "crashy", "--store", store)
	if code != 0 || !strings.Contains(out, "cafe /usr/bin/crashy") {
		t.Errorf("info: %d\n%s", code, out)
	}
	dump := filepath.Join(t.TempDir(), "core")
	if code, _, stderr := runMain(t, "dump", m.ID[:6], "-o", dump, "--store", store); code != 0 {
		t.Fatalf("dump: %d %s", code, stderr)
	}
	if got, _ := os.ReadFile(dump); !bytes.Equal(got, core) {
		t.Fatal("dump differs from the original core")
	}
	if code, _, _ := runMain(t, "dump", m.ID, "-o", dump, "--store", store); code != exitFailure {
		t.Errorf("dump over an existing file: exit %d", code)
	}
	if code, _, _ := runMain(t, "info", "nosuch", "--store", store); code != exitBadOptions {
		t.Errorf("info of an unknown id: exit %d", code)
	}
	// A sidecar pointing outside the store is refused, not followed.
	side := filepath.Join(store, m.ID+".json")
	b, _ := os.ReadFile(side)
	os.WriteFile(side, bytes.Replace(b, []byte(m.CorePath), []byte("/etc/passwd"), 1), 0o600)
	other := filepath.Join(t.TempDir(), "leak")
	if code, _, stderr := runMain(t, "dump", m.ID, "-o", other, "--store", store); code != exitBadOptions || !strings.Contains(stderr, "outside the store") {
		t.Errorf("dump of a tampered sidecar: %d %s", code, stderr)
	}
	if _, err := os.Stat(other); err == nil {
		t.Error("a tampered sidecar's core_path was dumped")
	}
	if code, _, _ := runMain(t, "frobnicate"); code != exitBadSyntax {
		t.Errorf("unknown verb: exit %d", code)
	}
	if code, _, _ := runMain(t, "list", "--bogus"); code != exitBadSyntax {
		t.Errorf("unknown flag: exit %d", code)
	}
}

func TestCLIInstallCycle(t *testing.T) {
	root := fakeProc(t, "/var/cores/core.%e.%p.%t\n", "6.18.0")
	store := filepath.Join(shortTempDir(t), "s")
	code, out, stderr := runMain(t, "install", "--proc-root", root, "--store", store)
	if code != 0 || !strings.Contains(out, "installed: |") {
		t.Fatalf("install: %d %s %s", code, out, stderr)
	}
	code, out, _ = runMain(t, "status", "--proc-root", root, "--json")
	var st Status
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || !st.Installed || st.State.PreviousPattern() != "/var/cores/core.%e.%p.%t" {
		t.Fatalf("status: %d %s", code, out)
	}
	os.WriteFile(filepath.Join(root, "sys", KnobCorePattern), []byte("|/bin/false\n"), 0o644)
	code, out, _ = runMain(t, "status", "--proc-root", root, "--store", store)
	if code != exitFindings || !strings.Contains(out, "CHANGED") {
		t.Fatalf("status after a newcomer: %d\n%s", code, out)
	}
	if code, _, stderr := runMain(t, "uninstall", "--proc-root", root, "--store", store); code != exitFailure || !strings.Contains(stderr, "--force") {
		t.Fatalf("uninstall over a newcomer: %d %s", code, stderr)
	}
	if code, _, _ := runMain(t, "uninstall", "--proc-root", root, "--store", store, "--force"); code != 0 {
		t.Fatalf("forced uninstall: %d", code)
	}
	if got := readKnob(t, root, KnobCorePattern); got != "/var/cores/core.%e.%p.%t\n" {
		t.Fatalf("restored %q", got)
	}
}
