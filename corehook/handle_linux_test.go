package corehook

import (
	"bytes"
	"encoding/json"
	"github.com/quirkcheck/quirk/expand/testenv"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"
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

// fakePidfd is an open file whose fdinfo in the fake proc root says "Pid:
// pid", as a real pidfd's does.
func fakePidfd(t *testing.T, root string, pid int) *os.File {
	t.Helper()
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	setPidfdPid(t, root, f, pid)
	return f
}

func setPidfdPid(t *testing.T, root string, pidfd *os.File, pid int) {
	t.Helper()
	fdinfo := filepath.Join(root, "self", "fdinfo")
	if err := os.MkdirAll(fdinfo, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fdinfo, strconv.Itoa(int(pidfd.Fd()))), []byte("pos:\t0\nPid:\t"+strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
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
	m, _, err := Handle(HandleEnv{ProcRoot: root, Release: func() { released++ }, Pidfd: fakePidfd(t, root, testPID)}, ha, bytes.NewReader(core))
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
	checkUserReadable(t, m.CorePath, m.UID)
	checkUserReadable(t, filepath.Join(filepath.Dir(m.CorePath), m.ID+".json"), m.UID)
}

// checkUserReadable insists that path is the handler's own file, 0600 plus
// an ACL entry giving uid read access and nothing else.
func checkUserReadable(t *testing.T, path string, uid uint32) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if owner, _ := fileOwner(fi); int(owner) != os.Geteuid() || fi.Mode().Perm() != 0o640 {
		t.Errorf("%s owned by %d mode %v, want %d and 0640 (0600 with a read mask)", path, owner, fi.Mode().Perm(), os.Geteuid())
	}
	buf := make([]byte, 256)
	n, err := unix.Getxattr(path, aclXattr, buf)
	if err != nil || !bytes.Equal(buf[:n], userReadACL(uid)) {
		t.Errorf("%s ACL %x (%v), want %x", path, buf[:max(n, 0)], err, userReadACL(uid))
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
	tee := testenv.NeedTool(t, "tee")
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

// A config the handler cannot read, wholly or in part, still stores the
// core in the store the pattern names, with the defaults for what could not
// be read, and the sidecar and log line say why; valid lines (Log above
// all) still apply (#12.1).
func TestHandleBrokenConfigKeepsCore(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "log")
	for _, tc := range []struct{ name, conf, why string }{
		{"bad line", "Log = " + logFile + "\nCompress = perhaps\nStore = /elsewhere\n", "perhaps"},
		{"unreadable", "", "no such file"},
	} {
		root := t.TempDir()
		fakeCrashProc(t, root, 1000)
		store := filepath.Join(t.TempDir(), "store")
		cfgPath := filepath.Join(t.TempDir(), "c.conf")
		if tc.conf != "" {
			os.WriteFile(cfgPath, []byte(tc.conf), 0o644)
		}
		ha := testArgs(t, store, 1000)
		ha.Config = cfgPath
		core := synthCore(t, 1000)
		m, cfg, err := Handle(HandleEnv{ProcRoot: root}, ha, bytes.NewReader(core))
		if err == nil || m == nil || m.CorePath == "" || !strings.Contains(m.ConfigError, tc.why) {
			t.Fatalf("%s: %v, %+v", tc.name, err, m)
		}
		if filepath.Dir(m.CorePath) != store || m.Compression != "zstd" {
			t.Errorf("%s: core %s (%s), want the pattern's store %s and the default compression", tc.name, m.CorePath, m.Compression, store)
		}
		if line := summary(m, err); !strings.Contains(line, "config (defaults used)") || !strings.Contains(line, tc.why) {
			t.Errorf("%s: log line %q does not say why", tc.name, line)
		}
		if tc.conf != "" && cfg.Log != logFile {
			t.Errorf("%s: the valid Log line was dropped: %q", tc.name, cfg.Log)
		}
	}
}

// A pidfd that names another process (the crasher was reaped and its PID
// reused, CVE-2025-4598) makes /proc untrusted: nothing is read from it and
// the core is root-only.
func TestHandlePidfdMismatchIsRootOnly(t *testing.T) {
	root := t.TempDir()
	fakeCrashProc(t, root, 1000)
	pidfd := fakePidfd(t, root, 31337)
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
	setPidfdPid(t, root, pidfd, testPID)
	ha.Crash.Time++
	m, _, err = Handle(HandleEnv{ProcRoot: root, Pidfd: pidfd}, ha, bytes.NewReader(synthCore(t, 1000)))
	if err != nil || !m.ProcVerified || m.RootOnly || len(m.Cmdline) != 2 {
		t.Fatalf("matching pidfd: %v %+v", err, m)
	}
}

// Without a pidfd (kernels before 6.16, or %F disabled) the /proc values
// may be an impostor's after a SIGKILL mid-dump: they are kept but marked
// unverified, so debug does not hand the "exe" to gdb. Readability then
// rests on %u, %d and the core's own auxv, which cannot be raced.
func TestHandleWithoutPidfdIsUnverified(t *testing.T) {
	root := t.TempDir()
	fakeCrashProc(t, root, 1000)
	// The impostor that took the PID.
	exe := filepath.Join(root, strconv.Itoa(testPID), "exe")
	os.Remove(exe)
	if err := os.Symlink("/tmp/impostor", exe); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(t.TempDir(), "store")
	cfgPath := filepath.Join(t.TempDir(), "c.conf")
	os.WriteFile(cfgPath, []byte("KeepFree = 0\n"), 0o644)
	ha := testArgs(t, store, 1000)
	ha.Config = cfgPath
	m, _, err := Handle(HandleEnv{ProcRoot: root}, ha, bytes.NewReader(synthCore(t, 1000)))
	if err != nil {
		t.Fatal(err)
	}
	if m.ProcVerified || m.Pidfd || !strings.Contains(m.ProcWhy, "no pidfd") {
		t.Fatalf("no pidfd, yet verified %v pidfd %v why %q", m.ProcVerified, m.Pidfd, m.ProcWhy)
	}
	if m.Exe != "/tmp/impostor" || m.Comm != "crashy" {
		t.Errorf("exe %q comm %q: the unverified exe is recorded, the kernel's comm kept", m.Exe, m.Comm)
	}
	if m.RootOnly {
		t.Errorf("a dump-mode-1 crash whose auxv matches %%u is root-only: %s", m.RootOnlyWhy)
	}
	side := readMeta(t, store, m.ID)
	if side.ProcVerified {
		t.Error("sidecar says proc_verified")
	}
}

// A rootless container's root: auxv says uid 0 inside its user namespace,
// the kernel's %u is the host uid 1000 it maps to. With a verified /proc the
// map is applied and the owner can read the core; an unmapped mismatch
// stays root-only.
func TestHandleUserNamespaceMapsAuxvIDs(t *testing.T) {
	for _, tc := range []struct {
		uidMap   string
		rootOnly bool
	}{
		{"         0       1000          1\n         1     100000      65536\n", false},
		{"", true},
	} {
		root := t.TempDir()
		fakeCrashProc(t, root, 1000)
		dir := filepath.Join(root, strconv.Itoa(testPID))
		if tc.uidMap != "" {
			os.WriteFile(filepath.Join(dir, "uid_map"), []byte(tc.uidMap), 0o644)
			os.WriteFile(filepath.Join(dir, "gid_map"), []byte("0 0 1\n"), 0o644)
		}
		store := filepath.Join(t.TempDir(), "store")
		cfgPath := filepath.Join(t.TempDir(), "c.conf")
		os.WriteFile(cfgPath, []byte("KeepFree = 0\n"), 0o644)
		ha := testArgs(t, store, 1000)
		ha.Config = cfgPath
		m, _, err := Handle(HandleEnv{ProcRoot: root, Pidfd: fakePidfd(t, root, testPID)}, ha, bytes.NewReader(synthCore(t, 0)))
		if err != nil {
			t.Fatal(err)
		}
		if m.RootOnly != tc.rootOnly {
			t.Errorf("uid_map %q: root-only %v (%s), want %v", tc.uidMap, m.RootOnly, m.RootOnlyWhy, tc.rootOnly)
		}
	}
}

// dump and debug open a stored core only if it is still the file the
// handler committed: same inode, same size, the store owner's, one link.
// A core grown, replaced or hardlinked behind the sidecar is refused.
func TestDumpVerifiesCoreIdentity(t *testing.T) {
	core := synthCore(t, 1000)
	for _, tamper := range []string{"grow", "replace", "link"} {
		m, _ := handleOnce(t, false, core)
		switch tamper {
		case "grow":
			f, err := os.OpenFile(m.CorePath, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.Write(make([]byte, 4096))
			f.Close()
		case "replace":
			os.Remove(m.CorePath)
			if err := os.WriteFile(m.CorePath, core, 0o600); err != nil {
				t.Fatal(err)
			}
		case "link":
			if err := os.Link(m.CorePath, m.CorePath+".pinned"); err != nil {
				t.Fatal(err)
			}
		}
		out := filepath.Join(t.TempDir(), "out")
		err := Dump(m, out)
		if err == nil || !strings.Contains(err.Error(), "not the core stored") {
			t.Errorf("%s: dump gave %v", tamper, err)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: a tampered core was dumped", tamper)
		}
	}
}

// Names that are not UTF-8 keep their bytes through the sidecar (#12.8):
// JSON would turn them into U+FFFD, and debug could not find the exe.
func TestHandleKeepsNonUTF8Names(t *testing.T) {
	root := t.TempDir()
	fakeCrashProc(t, root, 1000)
	dir := filepath.Join(root, strconv.Itoa(testPID))
	const exe = "/opt/caf\xe9/\xff\xfecrashy"
	os.Remove(filepath.Join(dir, "exe"))
	os.Symlink(exe, filepath.Join(dir, "exe"))
	os.WriteFile(filepath.Join(dir, "cmdline"), []byte(exe+"\x00--\xc3\x28\x00"), 0o644)
	store := filepath.Join(t.TempDir(), "store")
	cfgPath := filepath.Join(t.TempDir(), "c.conf")
	os.WriteFile(cfgPath, []byte("KeepFree = 0\n"), 0o644)
	ha := testArgs(t, store, 1000)
	ha.Config = cfgPath
	m, _, err := Handle(HandleEnv{ProcRoot: root, Pidfd: fakePidfd(t, root, testPID)}, ha, bytes.NewReader(synthCore(t, 1000)))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Find(store, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Exe != exe || len(e.Cmdline) != 2 || e.Cmdline[0] != exe || e.Cmdline[1] != "--\xc3\x28" {
		t.Fatalf("read back exe %q cmdline %q, want %q", e.Exe, e.Cmdline, exe)
	}
}

// The pipe handler runs Go on one thread while a raw core streams in, so
// that the crasher's own kernel thread, which writes the core into the
// pipe, keeps a CPU; streaming zstd keeps a thread per CPU for its encoder,
// and the socket server, which handles many crashes in one process, is
// never throttled.
func TestHandleOneCrashThreads(t *testing.T) {
	orig := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(orig) })
	for _, tc := range []struct {
		conf     string
		oneCrash bool
		want     int
	}{
		{"Compress = no\n", true, 1},
		{"Compress = after\n", true, 1},
		{"Compress = yes\n", true, 2},
		{"Compress = no\n", false, 2},
		{"Compress = after\n", false, 2},
	} {
		runtime.GOMAXPROCS(2)
		root := t.TempDir()
		fakeCrashProc(t, root, 1000)
		store := filepath.Join(t.TempDir(), "store")
		cfgPath := filepath.Join(t.TempDir(), "c.conf")
		if err := os.WriteFile(cfgPath, []byte(tc.conf+"MaxUse = infinity\nKeepFree = 0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		ha := testArgs(t, store, 1000)
		ha.Config = cfgPath
		m, _, err := Handle(HandleEnv{ProcRoot: root, OneCrash: tc.oneCrash}, ha, bytes.NewReader(synthCore(t, 1000)))
		if err != nil {
			t.Fatal(err)
		}
		if m.CorePath == "" {
			t.Fatalf("%q: core not stored: %+v", tc.conf, m)
		}
		if got := runtime.GOMAXPROCS(0); got != tc.want {
			t.Errorf("%q one crash %v: GOMAXPROCS %d, want %d", tc.conf, tc.oneCrash, got, tc.want)
		}
	}
}
