package corehook

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/klauspost/compress/zstd"
)

const testPID = 4242

// fakeCrashProc adds a /proc/<pid> directory for the crasher to a fake root.
func fakeCrashProc(t *testing.T, root string, uid int) {
	t.Helper()
	dir := filepath.Join(root, strconv.Itoa(testPID))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(dir, 0o755))
	u := strconv.Itoa(uid)
	files := map[string]string{
		"comm":    "crashy\n",
		"cmdline": "/usr/bin/crashy\x00--now\x00",
		"cgroup":  "0::/user.slice\n",
		"status":  "Name:\tcrashy\nUid:\t" + u + "\t" + u + "\t" + u + "\t" + u + "\nGid:\t0\t0\t0\t0\n",
	}
	for n, v := range files {
		must(os.WriteFile(filepath.Join(dir, n), []byte(v), 0o644))
	}
	must(os.Symlink("/usr/bin/crashy", filepath.Join(dir, "exe")))
	must(os.Symlink("/home/u", filepath.Join(dir, "cwd")))
	must(os.MkdirAll(filepath.Join(root, "sys/kernel/random"), 0o755))
	must(os.WriteFile(filepath.Join(root, "sys", KnobBootID), []byte("b00t\n"), 0o644))
	must(os.WriteFile(filepath.Join(root, "sys", KnobCorePipeLimit), []byte("16\n"), 0o644))
}

func testArgs(t *testing.T, store string, uid int) HandleArgs {
	t.Helper()
	u := strconv.Itoa(uid)
	ha, err := ParseHandleArgs([]string{"-s", store, strconv.Itoa(testPID), "7", "7", strconv.Itoa(testPID), u, "0", "11", "1700000000", "18446744073709551615", "1", "0", "-", "box", "crashy"})
	if err != nil {
		t.Fatal(err)
	}
	return ha
}

func readMeta(t *testing.T, store, id string) Meta {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(store, id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func handleOnce(t *testing.T, compress bool, core []byte) (*Meta, string) {
	t.Helper()
	root := t.TempDir()
	uid := os.Getuid()
	if uid == 0 {
		uid = 1000
	}
	fakeCrashProc(t, root, uid)
	store := filepath.Join(t.TempDir(), "store")
	cfgPath := filepath.Join(t.TempDir(), "c.conf")
	conf := "Compress = no\n"
	if compress {
		conf = "Compress = yes\n"
	}
	if err := os.WriteFile(cfgPath, []byte(conf+"MaxUse = infinity\nKeepFree = 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ha := testArgs(t, store, uid)
	ha.Config = cfgPath
	released := 0
	m, _, err := Handle(HandleEnv{ProcRoot: root, Release: func() { released++ }}, ha, bytes.NewReader(core))
	if err != nil {
		t.Fatal(err)
	}
	if released != 1 {
		t.Fatalf("release called %d times", released)
	}
	if disk := readMeta(t, store, m.ID); disk.ID != m.ID || disk.CorePath != m.CorePath {
		t.Fatalf("sidecar %+v differs from %+v", disk, m)
	}
	return m, store
}

func TestHandleZstd(t *testing.T) {
	core := synthCore(t, 1000)
	m, _ := handleOnce(t, true, core)
	if m.Signal != 11 || m.SignalName != "SIGSEGV" || m.PID != testPID || m.Comm != "crashy" || m.Exe != "/usr/bin/crashy" || !m.ProcVerified {
		t.Errorf("meta: %+v", m)
	}
	if len(m.BuildIDs) != 1 || m.BuildIDs[0].ID != "cafe" || m.Truncated || m.Size != int64(len(core)) {
		t.Errorf("build ids %+v truncated %v size %d/%d", m.BuildIDs, m.Truncated, m.Size, len(core))
	}
	f, err := os.Open(m.CorePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec, err := zstd.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(dec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, core) {
		t.Fatalf("decompressed core differs (%d vs %d bytes)", len(got), len(core))
	}
	if m.DiskSize >= int64(len(core))/2 {
		t.Errorf("zstd core takes %d bytes for %d", m.DiskSize, len(core))
	}
}

func TestHandleRawSparse(t *testing.T) {
	core := synthCore(t, 1000)
	m, _ := handleOnce(t, false, core)
	got, err := os.ReadFile(m.CorePath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, core) {
		t.Fatalf("raw core differs (%d vs %d bytes)", len(got), len(core))
	}
	fi, _ := os.Stat(m.CorePath)
	alloc := fi.Sys().(*syscall.Stat_t).Blocks * 512
	// About 1 MiB of random data and a few pages of headers; 5 MiB are zeros.
	if alloc > 2<<20 {
		t.Errorf("raw core allocates %d bytes for %d: not sparse", alloc, len(core))
	}
	if m.RootOnly {
		t.Errorf("a plain user crash is root-only: %s", m.RootOnlyWhy)
	}
	if owner, _ := fileOwner(fi); owner != m.UID || fi.Mode().Perm() != 0o400 {
		t.Errorf("core owned by %d mode %v, want %d 0400", owner, fi.Mode().Perm(), m.UID)
	}
}

func TestHandleTruncatedStream(t *testing.T) {
	core := synthCore(t, 1000)
	half := core[:len(core)/2]
	m, _ := handleOnce(t, false, half)
	if !m.Truncated || m.TruncatedWhy != "stream" || m.CorePath == "" || m.Size != int64(len(half)) {
		t.Fatalf("truncated stream: %+v", m)
	}
	got, _ := os.ReadFile(m.CorePath)
	if !bytes.Equal(got, half) {
		t.Fatal("the truncated core was not kept as received")
	}
}

func TestHandleGarbageStillStored(t *testing.T) {
	junk := bytes.Repeat([]byte("not an ELF core "), 10000)
	m, _ := handleOnce(t, true, junk)
	if m.NoteError == "" || m.CorePath == "" || m.Size != int64(len(junk)) {
		t.Fatalf("garbage: %+v", m)
	}
	if !m.RootOnly {
		t.Error("a core without notes (no AT_SECURE check) is readable by the user")
	}
}

// handlePrevious runs the handler with "Previous = keep" and prev as the
// pattern saved at install.
func handlePrevious(t *testing.T, prev string, dumpMode int, core []byte, usesPID ...bool) *Meta {
	t.Helper()
	root := t.TempDir()
	uid := os.Getuid()
	if uid == 0 {
		uid = 1000
	}
	fakeCrashProc(t, root, uid)
	if len(usesPID) > 0 && usesPID[0] {
		if err := os.WriteFile(filepath.Join(root, "sys", KnobCoreUsesPID), []byte("1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/", filepath.Join(root, strconv.Itoa(testPID), "root")); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(t.TempDir(), "store")
	if err := OpenStore(store).Ensure(); err != nil {
		t.Fatal(err)
	}
	st := &State{Store: store, Previous: []SavedValue{{Knob: KnobCorePattern, Raw: []byte(prev + "\n")}}}
	if err := OpenStore(store).writeState(st); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "c.conf")
	if err := os.WriteFile(cfgPath, []byte("Previous = keep\nCompress = no\nKeepFree = 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ha := testArgs(t, store, uid)
	ha.Config = cfgPath
	ha.Crash.DumpMode = dumpMode
	m, _, err := Handle(HandleEnv{ProcRoot: root}, ha, bytes.NewReader(core))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// openDir is a world-writable directory the crasher's uid can reach (the
// copy is written with its fsuid, and t.TempDir's parent is private).
func openDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "chprev")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPreviousFilePattern(t *testing.T) {
	core := synthCore(t, 1000)
	dir := openDir(t)
	m := handlePrevious(t, dir+"/core.%e.%u", 1, core, true)
	want := dir + "/core.crashy." + strconv.FormatUint(uint64(m.UID), 10) + "." + strconv.Itoa(m.NSPID)
	if m.Previous != want {
		t.Fatalf("previous copy %q, want %q (core_uses_pid=1 appends the pid)", m.Previous, want)
	}
}

func TestPreviousFilePatternContents(t *testing.T) {
	core := synthCore(t, 1000)
	dir := openDir(t)
	m := handlePrevious(t, dir+"/core.%e", 1, core)
	// core_uses_pid is 0 in the fake proc: no suffix.
	if m.Previous != dir+"/core.crashy" {
		t.Fatalf("previous copy %q", m.Previous)
	}
	got, err := os.ReadFile(m.Previous)
	if err != nil || !bytes.Equal(got, core) {
		t.Fatalf("copy differs from the core (%v)", err)
	}
	fi, _ := os.Lstat(m.Previous)
	if owner, _ := fileOwner(fi); owner != m.UID || fi.Mode().Perm() != 0o600 {
		t.Fatalf("copy owned by %d mode %v, want the crasher's uid %d and 0600", owner, fi.Mode().Perm(), m.UID)
	}
}

func TestPreviousFilePatternNeverFollowsSymlinks(t *testing.T) {
	core := synthCore(t, 1000)
	dir := openDir(t)
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []int{1, 2} {
		name := filepath.Join(dir, "core.crashy")
		os.Remove(name)
		if err := os.Symlink(victim, name); err != nil {
			t.Fatal(err)
		}
		m := handlePrevious(t, dir+"/core.%e", mode, core)
		if b, _ := os.ReadFile(victim); string(b) != "precious" {
			t.Fatalf("dump mode %d wrote through a planted symlink", mode)
		}
		fi, _ := os.Lstat(name)
		switch mode {
		case 1:
			// Like the kernel: the old name is unlinked, a fresh file made.
			if !fi.Mode().IsRegular() || m.Previous != name {
				t.Fatalf("mode 1: %v, previous %q", fi.Mode(), m.Previous)
			}
		case 2:
			// suid-safe dumps never replace anything.
			if fi.Mode()&os.ModeSymlink == 0 || !strings.Contains(m.Previous, "file exists") {
				t.Fatalf("mode 2: %v, previous %q", fi.Mode(), m.Previous)
			}
		}
	}
}

func TestPreviousRelativePatternRefusedForSuidDump(t *testing.T) {
	m := handlePrevious(t, "core.%e", 2, synthCore(t, 1000))
	if !strings.Contains(m.Previous, "absolute") {
		t.Fatalf("previous %q", m.Previous)
	}
	if !m.RootOnly {
		t.Fatal("a dump-mode-2 core is readable by the user")
	}
}

func TestPreviousPipeChained(t *testing.T) {
	tee, err := exec.LookPath("tee")
	if err != nil {
		t.Skip("no tee")
	}
	core := synthCore(t, 1000)
	dir := t.TempDir()
	m := handlePrevious(t, "|"+tee+" "+dir+"/chained.%p.%e", 1, core)
	if m.Previous != "piped to "+tee {
		t.Fatalf("previous %q", m.Previous)
	}
	got, err := os.ReadFile(filepath.Join(dir, "chained.7.crashy"))
	if err != nil || !bytes.Equal(got, core) {
		t.Fatalf("chained handler got %d bytes of %d (%v)", len(got), len(core), err)
	}
}

// handleWithConfig runs the handler on core with extra config lines and the
// crash's RLIMIT_CORE set to limit.
func handleWithConfig(t *testing.T, conf string, limit string, core []byte) *Meta {
	t.Helper()
	root := t.TempDir()
	fakeCrashProc(t, root, 1000)
	store := filepath.Join(t.TempDir(), "store")
	cfgPath := filepath.Join(t.TempDir(), "c.conf")
	if err := os.WriteFile(cfgPath, []byte("Compress = no\nKeepFree = 0\n"+conf), 0o644); err != nil {
		t.Fatal(err)
	}
	ha := testArgs(t, store, 1000)
	ha.Config, ha.RawLimit = cfgPath, limit
	ha.Crash.CoreLimit, _ = strconv.ParseUint(limit, 10, 64)
	m, _, err := Handle(HandleEnv{ProcRoot: root}, ha, bytes.NewReader(core))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestHandleHonorsCoreLimit(t *testing.T) {
	core := synthCore(t, 1000)
	m := handleWithConfig(t, "HonorCoreLimit = yes\n", "1048576", core)
	if !m.Truncated || m.TruncatedWhy != "RLIMIT_CORE" || m.Size != 1<<20 {
		t.Fatalf("limit 1 MiB: %+v", m)
	}
	if got, _ := os.ReadFile(m.CorePath); !bytes.Equal(got, core[:1<<20]) {
		t.Fatal("truncated core is not the stream's first MiB")
	}
	m = handleWithConfig(t, "HonorCoreLimit = yes\n", "0", core)
	if m.CorePath != "" || m.Dropped != "RLIMIT_CORE" {
		t.Fatalf("ulimit -c 0: %+v", m)
	}
	// Without the option, %c is only recorded.
	m = handleWithConfig(t, "", "0", core)
	if m.CorePath == "" || m.Truncated || m.CoreLimit != "0" {
		t.Fatalf("limit ignored by default: %+v", m)
	}
}

func TestHandleProcessSizeMax(t *testing.T) {
	core := synthCore(t, 1000)
	m := handleWithConfig(t, "ProcessSizeMax = 1M\n", "0", core)
	if m.CorePath != "" || m.Dropped != "ProcessSizeMax" || m.Signal != 11 {
		t.Fatalf("over ProcessSizeMax: %+v", m)
	}
}

func TestHandleBrokenConfigKeepsCore(t *testing.T) {
	root := t.TempDir()
	fakeCrashProc(t, root, 1000)
	store := filepath.Join(t.TempDir(), "store")
	cfgPath := filepath.Join(t.TempDir(), "c.conf")
	os.WriteFile(cfgPath, []byte("Compress = perhaps\n"), 0o644)
	ha := testArgs(t, store, 1000)
	ha.Config = cfgPath
	core := synthCore(t, 1000)
	m, _, err := Handle(HandleEnv{ProcRoot: root}, ha, bytes.NewReader(core))
	if err == nil || m == nil || m.CorePath == "" || !strings.Contains(m.ConfigError, "perhaps") {
		t.Fatalf("broken config: %v, %+v", err, m)
	}
}

// A pidfd that names another process (the crasher was reaped and its PID
// reused, CVE-2025-4598) makes /proc untrusted: nothing is read from it and
// the core is root-only.
func TestHandlePidfdMismatchIsRootOnly(t *testing.T) {
	root := t.TempDir()
	fakeCrashProc(t, root, 1000)
	pidfd, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer pidfd.Close()
	fdinfo := filepath.Join(root, "self", "fdinfo")
	os.MkdirAll(fdinfo, 0o755)
	os.WriteFile(filepath.Join(fdinfo, strconv.Itoa(int(pidfd.Fd()))), []byte("pos:\t0\nPid:\t31337\n"), 0o644)
	store := filepath.Join(t.TempDir(), "store")
	cfgPath := filepath.Join(t.TempDir(), "c.conf")
	os.WriteFile(cfgPath, []byte("KeepFree = 0\n"), 0o644)
	ha := testArgs(t, store, 1000)
	ha.Config = cfgPath
	m, _, err := Handle(HandleEnv{ProcRoot: root, Pidfd: pidfd}, ha, bytes.NewReader(synthCore(t, 1000)))
	if err != nil {
		t.Fatal(err)
	}
	if m.ProcVerified || !m.RootOnly || m.Cmdline != nil || m.Cwd != "" {
		t.Fatalf("mismatched pidfd trusted: %+v", m)
	}
	fi, _ := os.Stat(m.CorePath)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("root-only core has mode %v", fi.Mode().Perm())
	}
	// The same pidfd naming the crasher is trusted.
	os.WriteFile(filepath.Join(fdinfo, strconv.Itoa(int(pidfd.Fd()))), []byte("Pid:\t"+strconv.Itoa(testPID)+"\n"), 0o644)
	ha.Crash.Time++
	m, _, err = Handle(HandleEnv{ProcRoot: root, Pidfd: pidfd}, ha, bytes.NewReader(synthCore(t, 1000)))
	if err != nil || !m.ProcVerified || m.RootOnly || len(m.Cmdline) != 2 {
		t.Fatalf("matching pidfd: %v %+v", err, m)
	}
}
