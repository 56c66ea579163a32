package corehook

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/corehook"
)

func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), &base.Invocation{Name: "corehook", Args: args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

const testPID = 4242

// handleOnce stores one crash through the library's real handler, with a
// fake /proc for the crasher (the CLI reads the store, not the kernel).
// The core is not ELF: the handler stores what the kernel sends as it is,
// and the query verbs must give it back byte for byte.
func handleOnce(t *testing.T, core []byte) (*corehook.Meta, string) {
	t.Helper()
	root := t.TempDir()
	uid := os.Getuid()
	if uid == 0 {
		uid = 1000
	}
	u := strconv.Itoa(uid)
	dir := filepath.Join(root, strconv.Itoa(testPID))
	files := map[string]string{
		strconv.Itoa(testPID) + "/comm":     "crashy\n",
		strconv.Itoa(testPID) + "/cmdline":  "/usr/bin/crashy\x00--now\x00",
		strconv.Itoa(testPID) + "/cgroup":   "0::/user.slice\n",
		strconv.Itoa(testPID) + "/status":   "Name:\tcrashy\nUid:\t" + u + "\t" + u + "\t" + u + "\t" + u + "\nGid:\t0\t0\t0\t0\n",
		"sys/" + corehook.KnobBootID:        "b00t\n",
		"sys/" + corehook.KnobCorePipeLimit: "16\n",
	}
	for name, v := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/usr/bin/crashy", filepath.Join(dir, "exe")); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(t.TempDir(), "store")
	cfgPath := filepath.Join(t.TempDir(), "c.conf")
	if err := os.WriteFile(cfgPath, []byte("Compress = yes\nMaxUse = infinity\nKeepFree = 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(testPID)
	ha, err := corehook.ParseHandleArgs([]string{"-s", store, "-c", cfgPath, pid, "7", "7", pid, u, "0", "11", "1700000000", "18446744073709551615", "1", "0", "-", "box", "crashy"})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := corehook.Handle(corehook.HandleEnv{ProcRoot: root, Release: func() {}}, ha, bytes.NewReader(core))
	if err != nil {
		t.Fatal(err)
	}
	return m, store
}

func TestCLIQueries(t *testing.T) {
	core := make([]byte, 3<<20)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range core[1<<20 : 2<<20] {
		core[1<<20+i] = byte(rnd.Uint32())
	}
	m, store := handleOnce(t, core)

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
	if code != 0 || !strings.Contains(out, "/usr/bin/crashy --now") {
		t.Errorf("info: %d\n%s", code, out)
	}
	dump := filepath.Join(t.TempDir(), "core")
	if code, _, stderr := runMain(t, "dump", m.ID[:6], "-o", dump, "--store", store); code != 0 {
		t.Fatalf("dump: %d %s", code, stderr)
	}
	if got, _ := os.ReadFile(dump); !bytes.Equal(got, core) {
		t.Fatal("dump differs from the original core")
	}
	if code, _, _ := runMain(t, "dump", m.ID, "-o", dump, "--store", store); code != base.ExitFailure {
		t.Errorf("dump over an existing file: exit %d", code)
	}
	if code, _, _ := runMain(t, "info", "nosuch", "--store", store); code != base.ExitBadOptions {
		t.Errorf("info of an unknown id: exit %d", code)
	}
	// A sidecar pointing outside the store is refused, not followed.
	side := filepath.Join(store, m.ID+".json")
	b, _ := os.ReadFile(side)
	os.WriteFile(side, bytes.Replace(b, []byte(m.CorePath), []byte("/etc/passwd"), 1), 0o600)
	other := filepath.Join(t.TempDir(), "leak")
	if code, _, stderr := runMain(t, "dump", m.ID, "-o", other, "--store", store); code != base.ExitBadOptions || !strings.Contains(stderr, "outside the store") {
		t.Errorf("dump of a tampered sidecar: %d %s", code, stderr)
	}
	if _, err := os.Stat(other); err == nil {
		t.Error("a tampered sidecar's core_path was dumped")
	}
	if code, _, _ := runMain(t, "frobnicate"); code != base.ExitBadSyntax {
		t.Errorf("unknown verb: exit %d", code)
	}
	if code, _, _ := runMain(t, "list", "--bogus"); code != base.ExitBadSyntax {
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
	var st corehook.Status
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || !st.Installed || st.State.PreviousPattern() != "/var/cores/core.%e.%p.%t" {
		t.Fatalf("status: %d %s", code, out)
	}
	os.WriteFile(filepath.Join(root, "sys", corehook.KnobCorePattern), []byte("|/bin/false\n"), 0o644)
	code, out, _ = runMain(t, "status", "--proc-root", root, "--store", store)
	if code != base.ExitFindings || !strings.Contains(out, "CHANGED") {
		t.Fatalf("status after a newcomer: %d\n%s", code, out)
	}
	if code, _, stderr := runMain(t, "uninstall", "--proc-root", root, "--store", store); code != base.ExitFailure || !strings.Contains(stderr, "--force") {
		t.Fatalf("uninstall over a newcomer: %d %s", code, stderr)
	}
	if code, _, _ := runMain(t, "uninstall", "--proc-root", root, "--store", store, "--force"); code != 0 {
		t.Fatalf("forced uninstall: %d", code)
	}
	if got := readKnob(t, root, corehook.KnobCorePattern); got != "/var/cores/core.%e.%p.%t\n" {
		t.Fatalf("restored %q", got)
	}
}

// fakeProc is a procfs root holding only the knobs install and status read.
func fakeProc(t *testing.T, pattern, release string) string {
	t.Helper()
	root := t.TempDir()
	for knob, v := range map[string]string{
		corehook.KnobCorePattern:   pattern,
		corehook.KnobCorePipeLimit: "0\n",
		corehook.KnobSuidDumpable:  "0\n",
		corehook.KnobCoreUsesPID:   "0\n",
		corehook.KnobOSRelease:     release + "\n",
	} {
		p := filepath.Join(root, "sys", knob)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// shortTempDir is a temporary directory with a short path: the pattern that
// names it must fit the kernel's 127 bytes, and t.TempDir embeds the test name.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ch")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func readKnob(t *testing.T, root, knob string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "sys", knob))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// --pipe-limit 0 is a value, not "the default" (#12.8).
func TestCLIPipeLimitZero(t *testing.T) {
	root := fakeProc(t, "/var/cores/core.%e\n", "6.18.0")
	store := filepath.Join(shortTempDir(t), "s")
	if code, out, stderr := runMain(t, "install", "--proc-root", root, "--store", store, "--pipe-limit", "0"); code != 0 {
		t.Fatalf("install: %d %s %s", code, out, stderr)
	}
	if got := readKnob(t, root, corehook.KnobCorePipeLimit); got != "0\n" {
		t.Fatalf("--pipe-limit 0 wrote %q", got)
	}
	if code, out, _ := runMain(t, "status", "--proc-root", root, "--store", store); code != exitFindings || !strings.Contains(out, "core_pipe_limit is 0") {
		t.Errorf("status with core_pipe_limit 0: %d\n%s", code, out)
	}
	if code, _, _ := runMain(t, "install", "--proc-root", root, "--pipe-limit", "-1"); code != exitBadSyntax {
		t.Errorf("--pipe-limit -1: exit %d", code)
	}
}

// A config edited and broken after install keeps neither status nor
// uninstall from finding the state and restoring (#12.1).
func TestCLIBrokenConfigAfterInstall(t *testing.T) {
	root := fakeProc(t, "/var/cores/core.%e\n", "6.18.0")
	dir := shortTempDir(t)
	conf := filepath.Join(dir, "c")
	store := filepath.Join(dir, "s")
	os.WriteFile(conf, []byte("Store = "+store+"\n"), 0o644)
	// The CLI installs os.Executable(), here a test binary whose path is
	// too long for the pattern; the library takes a short one.
	if _, err := corehook.Install(corehook.InstallOptions{ProcRoot: root, Store: store, Config: conf, Binary: "/bin/true", StoreFromConfig: true}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(conf, []byte("Store = /elsewhere\nthis is not a config\n"), 0o644)
	code, out, stderr := runMain(t, "status", "--proc-root", root, "--config", conf)
	if code != exitFindings || !strings.Contains(out, "problem:") || !strings.Contains(out, "state: "+store) {
		t.Errorf("status with a broken config: %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = runMain(t, "uninstall", "--proc-root", root, "--config", conf)
	if code != 0 || strings.Contains(stderr, "--force") {
		t.Fatalf("uninstall with a broken config: %d %s %s", code, out, stderr)
	}
	if got := readKnob(t, root, corehook.KnobCorePattern); got != "/var/cores/core.%e\n" {
		t.Fatalf("restored %q", got)
	}
}

// A relative --store names the same store as its absolute path (#12.8).
func TestCLIRelativeStore(t *testing.T) {
	core := []byte("not an ELF core, stored as it is")
	m, store := handleOnce(t, core)
	t.Chdir(filepath.Dir(store))
	rel := filepath.Base(store)
	if code, out, stderr := runMain(t, "info", m.ID, "--store", rel); code != 0 || !strings.Contains(out, m.ID) {
		t.Fatalf("info --store %s: %d %s %s", rel, code, out, stderr)
	}
	dump := filepath.Join(t.TempDir(), "core")
	if code, _, stderr := runMain(t, "dump", m.ID, "-o", dump, "--store", rel); code != 0 {
		t.Fatalf("dump --store %s: %d %s", rel, code, stderr)
	}
	if got, _ := os.ReadFile(dump); !bytes.Equal(got, core) {
		t.Fatal("dump through a relative store differs")
	}
}
