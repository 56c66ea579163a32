package corehook

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/quirkcheck/quirk/corehook/internal/synthcore"
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

func synthCore(t *testing.T, uid uint32) []byte {
	t.Helper()
	rnd := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	_, err := synthcore.Write(&b, synthcore.Spec{
		PID: 7, PPID: 1, UID: uid, GID: 0, Signal: 11, FaultAddr: 0x10,
		Comm: "crashy", Args: "crashy --now", ExePath: "/usr/bin/crashy", BuildID: []byte{0xca, 0xfe},
		Mappings: []synthcore.Mapping{
			{Size: 3 << 20, Fill: synthcore.Zeros(3 << 20)},
			{Size: 1 << 20, Fill: func(w io.Writer) error {
				p := make([]byte, 1<<20)
				for i := range p {
					p[i] = byte(rnd.Uint32())
				}
				_, err := w.Write(p)
				return err
			}},
			{Size: 2<<20 + 100, Fill: synthcore.Zeros(2<<20 + 100)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
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
