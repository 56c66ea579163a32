package corehook

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"github.com/quirkcheck/quirk/expand/testenv"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quirkcheck/quirk/corehook/internal/synthcore"
	"golang.org/x/sys/unix"
)

// needRoot ends a test that needs root by testenv's policy.
func needRoot(t *testing.T) {
	t.Helper()
	testenv.NeedRoot(t, "a tmpfs of its own")
}

// smallFS mounts a tmpfs of size bytes for the test (a real file system
// that fills up), unmounted at cleanup.
func smallFS(t *testing.T, size string) string {
	t.Helper()
	needRoot(t)
	dir := t.TempDir()
	if err := unix.Mount("quirk-test", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size="+size+",mode=0755"); err != nil {
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// randomCore is an ELF core of about mib MiB of incompressible data.
func randomCore(t *testing.T, mib int) []byte {
	t.Helper()
	rnd := rand.New(rand.NewPCG(3, 4))
	var b bytes.Buffer
	_, err := synthcore.Write(&b, synthcore.Spec{
		PID: 7, PPID: 1, UID: 1000, Signal: 11, Comm: "crashy", ExePath: "/usr/bin/crashy", BuildID: []byte{0xca, 0xfe},
		Mappings: []synthcore.Mapping{{Size: uint64(mib) << 20, Fill: func(w io.Writer) error {
			p := make([]byte, 1<<20)
			for range mib {
				for i := 0; i < len(p); i += 8 {
					v := rnd.Uint64()
					for k := range 8 {
						p[i+k] = byte(v >> (8 * k))
					}
				}
				if _, err := w.Write(p); err != nil {
					return err
				}
			}
			return nil
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func handleIn(t *testing.T, store, conf string, core []byte) (*Meta, error) {
	t.Helper()
	root := t.TempDir()
	fakeCrashProc(t, root, 1000)
	cfgPath := filepath.Join(t.TempDir(), "c.conf")
	if err := os.WriteFile(cfgPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	ha := testArgs(t, store, 1000)
	ha.Config = cfgPath
	released := 0
	m, _, err := Handle(HandleEnv{ProcRoot: root, Pidfd: fakePidfd(t, root, testPID), Release: func() { released++ }}, ha, bytes.NewReader(core))
	if released != 1 {
		t.Errorf("release called %d times", released)
	}
	if m == nil {
		t.Fatalf("no metadata at all: %v", err)
	}
	return m, err
}

func noTemps(t *testing.T, store string) {
	t.Helper()
	des, _ := os.ReadDir(store)
	for _, de := range des {
		if strings.HasPrefix(de.Name(), tmpPrefix) {
			t.Errorf("temporary file %s left in the store", de.Name())
		}
	}
}

// A 100 MiB crash into a 20 MiB store (#12.2): the core stops at the
// limit, and the crash is on record in its sidecar, with the reason, both
// when the KeepFree limit stops it and when the disk itself runs out.
func TestFullStoreKeepsRecord(t *testing.T) {
	core := randomCore(t, 100)
	for _, tc := range []struct{ name, conf, why string }{
		{"KeepFree", "Compress = no\nMaxUse = infinity\nKeepFree = 2M\n", "KeepFree"},
		{"disk full", "Compress = no\nMaxUse = infinity\nKeepFree = 0\n", "no space left"},
		{"MaxUse", "Compress = no\nMaxUse = 5M\nKeepFree = 0\n", "MaxUse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := filepath.Join(smallFS(t, "20m"), "store")
			first, err := handleIn(t, store, tc.conf, synthCore(t, 1000))
			if err != nil || first.CorePath == "" {
				t.Fatalf("first crash: %v %+v", err, first)
			}
			m, err := handleIn(t, store, tc.conf, core)
			t.Logf("handler: %v", err)
			b, _ := os.ReadFile(filepath.Join(store, dropLogName))
			t.Logf("dropped.log: %s", b)
			if m.CorePath != "" || !strings.Contains(m.Dropped, tc.why) || m.Signal != 11 || len(m.BuildIDs) != 1 {
				t.Fatalf("100 MiB crash into 20 MiB: core %q dropped %q", m.CorePath, m.Dropped)
			}
			side := readMeta(t, store, m.ID)
			if side.Dropped != m.Dropped || side.ExpectedSize != int64(len(core)) {
				t.Fatalf("sidecar %+v", side)
			}
			es, err := List(store)
			if err != nil || len(es) == 0 || es[len(es)-1].ID != m.ID {
				t.Fatalf("list does not show the dropped crash: %v %v", es, err)
			}
			// MaxUse is a budget: a core over it alone evicts nothing.
			// Free space is physical: older crashes make room, on record.
			if tc.name == "MaxUse" && len(es) != 2 {
				t.Errorf("the first crash was evicted for a core that could never fit: %v", es)
			}
			if tc.name != "MaxUse" && len(es) == 1 {
				if b, _ := os.ReadFile(filepath.Join(store, dropLogName)); !bytes.Contains(b, []byte(first.ID)) {
					t.Errorf("the first crash is gone without a record in dropped.log")
				}
			}
			noTemps(t, store)
		})
	}
}

// A read-only store takes nothing; the crash still leaves its metadata,
// parsed from the stream, and an error that names why (the log line).
func TestReadOnlyStoreLeavesTrace(t *testing.T) {
	fs := smallFS(t, "4m")
	store := filepath.Join(fs, "store")
	if err := OpenStore(store).Ensure(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("", fs, "", unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		t.Fatal(err)
	}
	m, err := handleIn(t, store, "KeepFree = 0\n", synthCore(t, 1000))
	if err == nil || !strings.Contains(m.Dropped, "read-only") || m.Threads != 1 || len(m.BuildIDs) != 1 {
		t.Fatalf("read-only store: %v, %+v", err, m)
	}
	if line := summary(m, err); !strings.Contains(line, "read-only") || !strings.Contains(line, "pid 4242") {
		t.Fatalf("log line %q", line)
	}
}

// A handler killed mid-dump leaves its temporary file (#12.7); gc removes
// it once it is old and nobody holds its writer's lock, and records that,
// but never touches one whose writer is alive.
func TestStaleTempsRemoved(t *testing.T) {
	s := OpenStore(t.TempDir())
	live, err := s.create("live.core")
	if err != nil {
		t.Fatal(err)
	}
	defer live.abort()
	dead, err := s.create("dead.core")
	if err != nil {
		t.Fatal(err)
	}
	dead.Write(make([]byte, 1<<20))
	dead.File.Close() // the writer died: the kernel dropped its lock
	young, _ := s.create("young.core")
	young.File.Close()
	old := time.Now().Add(-2 * staleTempAge)
	for _, p := range []string{live.Name(), dead.Name()} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	dropped, err := s.GC(Config{MaxUse: Unlimited, KeepFree: Size{}, MaxUsePerUID: Unlimited})
	if err != nil {
		t.Fatal(err)
	}
	if len(dropped) != 1 || !strings.Contains(dropped[0].ID, "dead.core") || dropped[0].Size != 1<<20 || !strings.Contains(dropped[0].Reason, "writer died") {
		t.Fatalf("dropped %+v", dropped)
	}
	for _, p := range []string{live.Name(), young.Name()} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
	if _, err := os.Stat(dead.Name()); err == nil {
		t.Error("the dead writer's file is still there")
	}
}

// zeroBombCore is a core of a process with a huge untouched mapping: in
// pipe mode the kernel sends every page of it as zeros.
func zeroBombCore(t *testing.T, zeros uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	_, err := synthcore.Write(&b, synthcore.Spec{
		PID: 7, PPID: 1, UID: 1000, Signal: 6, Comm: "bomb", ExePath: "/usr/bin/bomb", BuildID: []byte{0xbe},
		Mappings: []synthcore.Mapping{{Size: zeros, Fill: synthcore.Zeros(zeros)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The per-dump budget (#12.3): past DumpZerosMax of zero pages, or past
// DumpTimeMax, the handler stops reading (releasing the crasher and its
// pipe slot) and keeps the core truncated, with the reason.
func TestDumpBudget(t *testing.T) {
	t.Run("zeros", func(t *testing.T) {
		store := filepath.Join(t.TempDir(), "store")
		m, err := handleIn(t, store, "Compress = no\nKeepFree = 0\nDumpZerosMax = 16M\n", zeroBombCore(t, 256<<20))
		if err != nil {
			t.Fatal(err)
		}
		if !m.Truncated || !strings.Contains(m.TruncatedWhy, "DumpZerosMax") || m.Size > 20<<20 || m.CorePath == "" || m.ExpectedSize < 256<<20 {
			t.Fatalf("zero bomb: truncated %v (%s), %d of %d bytes, core %q", m.Truncated, m.TruncatedWhy, m.Size, m.ExpectedSize, m.CorePath)
		}
	})
	t.Run("time", func(t *testing.T) {
		// The kernel's write stalls after the notes (a mapping that
		// blocks): nothing more comes, and nothing ends the stream.
		core := synthCore(t, 1000)
		pr, pw := io.Pipe()
		go pw.Write(core[:1<<20])
		root := t.TempDir()
		fakeCrashProc(t, root, 1000)
		cfgPath := filepath.Join(t.TempDir(), "c.conf")
		os.WriteFile(cfgPath, []byte("Compress = no\nKeepFree = 0\nDumpTimeMax = 1s\n"), 0o644)
		ha := testArgs(t, filepath.Join(t.TempDir(), "store"), 1000)
		ha.Config = cfgPath
		done := make(chan *Meta)
		go func() {
			m, _, _ := Handle(HandleEnv{ProcRoot: root, Pidfd: fakePidfd(t, root, testPID), Release: func() { pr.CloseWithError(io.ErrClosedPipe) }}, ha, pr)
			done <- m
		}()
		select {
		case m := <-done:
			if !m.Truncated || !strings.Contains(m.TruncatedWhy, "DumpTimeMax") || m.Size != 1<<20 || m.CorePath == "" {
				t.Fatalf("stalled dump: truncated %v (%s), %d bytes, core %q", m.Truncated, m.TruncatedWhy, m.Size, m.CorePath)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("a stalled dump held the handler past its time budget")
		}
	})
}

// The smaller ones (#12.8): an empty stream is not a complete 0-byte core;
// a NULL dereference shows fault address 0x0; two crashes with the same
// PID and %t are two crashes, listed in the order they came.
func TestHandleSmallCases(t *testing.T) {
	store := filepath.Join(t.TempDir(), "store")
	m, _ := handleIn(t, store, "KeepFree = 0\n", nil)
	if m.CorePath != "" || !m.Truncated || !strings.Contains(m.Dropped, "empty stream") {
		t.Errorf("empty stream: core %q truncated %v dropped %q", m.CorePath, m.Truncated, m.Dropped)
	}
	var b bytes.Buffer
	synthcore.Write(&b, synthcore.Spec{PID: 7, UID: 1000, Signal: 11, SigCode: 1, FaultAddr: 0, Comm: "null", ExePath: "/usr/bin/null"})
	first, _ := handleIn(t, store, "KeepFree = 0\n", b.Bytes())
	second, _ := handleIn(t, store, "KeepFree = 0\n", b.Bytes())
	if first.FaultAddr != "0x0" {
		t.Errorf("NULL dereference: fault address %q, want 0x0", first.FaultAddr)
	}
	if first.ID == second.ID || first.CorePath == second.CorePath {
		t.Fatalf("same PID and %%t: ids %s and %s, cores %s and %s", first.ID, second.ID, first.CorePath, second.CorePath)
	}
	for _, m := range []*Meta{first, second} {
		if _, err := os.Stat(m.CorePath); err != nil {
			t.Errorf("core of %s: %v", m.ID, err)
		}
	}
	es, _ := List(store)
	if len(es) != 3 || es[1].ID != first.ID || es[2].ID != second.ID {
		t.Errorf("list order within one second: %v", es)
	}
	if e, err := Find(store, "4242"); err != nil || e.ID != second.ID {
		t.Errorf("newest crash of pid 4242: %v %v, want %s", e, err, second.ID)
	}
}

// Compress = after: the crasher is released once the raw sparse core is
// read; the core is then compressed, and the sidecar names the zstd file.
func TestCompressAfterRelease(t *testing.T) {
	core := synthCore(t, 1000)
	store := filepath.Join(t.TempDir(), "store")
	m, err := handleIn(t, store, "Compress = after\nKeepFree = 0\nMaxUse = infinity\n", core)
	if err != nil {
		t.Fatal(err)
	}
	if m.Compression != "zstd" || !strings.HasSuffix(m.CorePath, ".core.zst") || m.CompressMs < 0 {
		t.Fatalf("compression %q core %q", m.Compression, m.CorePath)
	}
	if _, err := os.Stat(filepath.Join(store, m.ID+".core")); err == nil {
		t.Error("the raw core is still there")
	}
	side := readMeta(t, store, m.ID)
	if side.CorePath != m.CorePath || side.Compression != "zstd" {
		t.Fatalf("sidecar names %q (%s)", side.CorePath, side.Compression)
	}
	out := filepath.Join(t.TempDir(), "out")
	if err := Dump(&side, out); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, core) {
		t.Fatal("the compressed core differs from the stream")
	}
	checkUserReadable(t, m.CorePath, 1000)
	noTemps(t, store)
}

// A handler killed while it compresses after the release loses nothing:
// the sidecar still names the complete raw core, and gc later removes the
// half-written zstd file of the dead writer.
func TestCompressAfterReleaseSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds quirk and streams 512 MiB")
	}
	dir := t.TempDir()
	quirk := filepath.Join(dir, "quirk")
	build := exec.Command("go", "build", "-o", quirk, "./cmd/quirk")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	corePath := filepath.Join(dir, "core")
	f, err := os.Create(corePath)
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(5, 6))
	_, err = synthcore.Write(f, synthcore.Spec{
		PID: 7, UID: uint32(os.Getuid()), Signal: 11, Comm: "big", ExePath: "/usr/bin/big",
		Mappings: []synthcore.Mapping{{Size: 512 << 20, Fill: func(w io.Writer) error {
			p := make([]byte, 1<<20)
			for range 512 {
				for i := 0; i < len(p); i += 8 {
					v := rnd.Uint64()
					for k := range 8 {
						p[i+k] = byte(v >> (8 * k))
					}
				}
				if _, err := w.Write(p); err != nil {
					return err
				}
			}
			return nil
		}}},
	})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "store")
	conf := filepath.Join(dir, "conf")
	os.WriteFile(conf, []byte("Compress = after\nKeepFree = 0\nMaxUse = infinity\nLog = "+filepath.Join(dir, "log")+"\n"), 0o644)
	in, err := os.Open(corePath)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	pid := strconv.Itoa(os.Getpid())
	uid := strconv.Itoa(os.Getuid())
	cmd := exec.Command(quirk, "corehook", "handle", "-c", conf, "-s", store,
		pid, pid, pid, pid, uid, uid, "11", strconv.FormatInt(time.Now().Unix(), 10), "18446744073709551615", "1", "0", "-", "box", "big")
	cmd.Stdin = in
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The raw sidecar appears once the stream is read; kill then.
	var side Meta
	deadline := time.Now().Add(2 * time.Minute)
	for {
		es, _ := List(store)
		if len(es) == 1 {
			side = es[0].Meta
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no sidecar")
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	es, _ := List(store)
	if len(es) != 1 {
		t.Fatalf("%d crashes after the kill", len(es))
	}
	side = es[0].Meta
	if side.Compression != "none" {
		t.Skipf("compression finished before the kill (%d ms); nothing to test on this machine", side.CompressMs)
	}
	out := filepath.Join(dir, "out")
	if err := Dump(&side, out); err != nil {
		t.Fatalf("the raw core after the kill: %v", err)
	}
	if a, b := fileSum(t, out), fileSum(t, corePath); a != b {
		t.Fatal("the raw core after the kill differs from the stream")
	}
	os.Remove(out)
	dropped, err := OpenStore(store).removeStaleTemps(0)
	if err != nil || len(dropped) != 1 || !strings.Contains(dropped[0].ID, ".core.zst") {
		t.Fatalf("stale zstd file: %+v %v", dropped, err)
	}
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil))
}

// A committed core no sidecar names (a handler killed between the two, as
// in Compress = after) is removed once old, and recorded; the core its
// sidecar names, and a core whose sidecar cannot be parsed, are kept.
func TestOrphanCoresRemoved(t *testing.T) {
	store := t.TempDir()
	putEntry(t, store, "a1", 1000, 10, 1) // sidecar names a1.core
	old := time.Now().Add(-3 * staleTempAge)
	for _, name := range []string{"a1.core.zst", "b2.core", "c3.core"} {
		if err := os.WriteFile(filepath.Join(store, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(store, "c3.json"), []byte("{not json"), 0o600)
	for _, name := range []string{"a1.core", "a1.core.zst", "b2.core", "c3.core"} {
		os.Chtimes(filepath.Join(store, name), old, old)
	}
	dropped, err := GC(store, Config{MaxUse: Unlimited, MaxUsePerUID: Unlimited})
	if err != nil {
		t.Fatal(err)
	}
	var gone []string
	for _, d := range dropped {
		gone = append(gone, d.ID)
	}
	if strings.Join(gone, ",") != "a1,b2" {
		t.Fatalf("removed %v, want the orphaned a1.core.zst and b2.core", dropped)
	}
	for _, keep := range []string{"a1.core", "c3.core"} {
		if _, err := os.Stat(filepath.Join(store, keep)); err != nil {
			t.Errorf("%s removed: %v", keep, err)
		}
	}
}

// A core with another name (a hardlink made to pin it past gc, #12.4) is
// emptied before gc removes it, so the space is really freed.
func TestGCFreesHardlinkedCore(t *testing.T) {
	store := t.TempDir()
	putEntry(t, store, "a1", 1000, 100e3, 1)
	core := filepath.Join(store, "a1.core")
	if err := os.WriteFile(core, make([]byte, 100e3), 0o600); err != nil {
		t.Fatal(err)
	}
	pinned := filepath.Join(t.TempDir(), "pinned")
	if err := os.Link(core, pinned); err != nil {
		t.Fatal(err)
	}
	if _, err := GC(store, Config{MaxUse: Size{Bytes: 1}, MaxUsePerUID: Unlimited}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(pinned); err != nil || fi.Size() != 0 {
		t.Fatalf("the pinned link still holds %v bytes (%v)", fi.Size(), err)
	}
}
