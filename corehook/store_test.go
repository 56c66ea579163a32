package corehook

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// putEntry stores a fake crash of disk size n for uid at minute min.
func putEntry(t *testing.T, store, id string, uid uint32, n int64, minute int) {
	t.Helper()
	core := filepath.Join(store, id+".core")
	if err := os.WriteFile(core, make([]byte, 1), 0o600); err != nil {
		t.Fatal(err)
	}
	m := Meta{ID: id, UID: uid, DiskSize: n, Size: n, CorePath: core, Comm: "c" + id,
		Time: time.Date(2026, 1, 1, 0, minute, 0, 0, time.UTC)}
	if err := writeSidecarPlain(store, &m); err != nil {
		t.Fatal(err)
	}
}

func writeSidecarPlain(store string, m *Meta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(store, sidecarName(m.ID)), b, 0o600)
}

func ids(t *testing.T, store string) string {
	t.Helper()
	es, err := List(store)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return strings.Join(out, ",")
}

func TestGCDropsOldestOfBiggestUID(t *testing.T) {
	store := t.TempDir()
	// Sizes dwarf the sidecars (a few hundred bytes), which count too.
	putEntry(t, store, "a1", 1, 100e3, 1)
	putEntry(t, store, "b1", 2, 300e3, 2)
	putEntry(t, store, "a2", 1, 100e3, 3)
	putEntry(t, store, "b2", 2, 300e3, 4)
	putEntry(t, store, "c1", 3, 50e3, 5)
	cfg := DefaultConfigValues()
	cfg.MaxUse, cfg.KeepFree, cfg.MaxUsePerUID = Size{Bytes: 700e3}, Size{}, Unlimited
	dropped, err := GC(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// 850 bytes used; uid 2 has the most, so its oldest (b1) goes.
	if len(dropped) != 1 || dropped[0].ID != "b1" || dropped[0].Reason != "MaxUse" {
		t.Fatalf("dropped %+v", dropped)
	}
	if got := ids(t, store); got != "a1,a2,b2,c1" {
		t.Fatalf("left %s", got)
	}
	cfg.MaxUse, cfg.MaxUsePerUID = Unlimited, Size{Bytes: 150e3}
	dropped, err = GC(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(dropped) != 2 || dropped[0].ID != "b2" || dropped[1].ID != "a1" || dropped[1].Reason != "MaxUsePerUID" {
		t.Fatalf("per-uid drops %+v", dropped)
	}
	if got := ids(t, store); got != "a2,c1" {
		t.Fatalf("left %s", got)
	}
	// Every removal is on record.
	f, err := os.Open(filepath.Join(store, dropLogName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); n++ {
		var r DropRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.ID == "" || r.Reason == "" {
			t.Fatalf("drop log line %q: %v", sc.Text(), err)
		}
	}
	if n != 3 {
		t.Fatalf("drop log has %d lines, want 3", n)
	}
	if _, err := os.Stat(filepath.Join(store, "b1.core")); !os.IsNotExist(err) {
		t.Fatalf("dropped core still there: %v", err)
	}
}

// Sidecars count against the limits (#12.5): six crashes of uid 1000 with
// tiny cores and 2.5 MB sidecars take more than root's one 6.3 MB core, so
// they are what MaxUse evicts, not root's core.
func TestGCCountsSidecars(t *testing.T) {
	store := t.TempDir()
	putEntry(t, store, "root", 0, 6300e3, 0)
	for i := range 6 {
		id := fmt.Sprintf("u%d", i)
		m := Meta{ID: id, UID: 1000, DiskSize: 27e3, CorePath: filepath.Join(store, id+".core"), Time: time.Date(2026, 1, 1, 0, 1+i, 0, 0, time.UTC)}
		os.WriteFile(m.CorePath, []byte{1}, 0o600)
		for len(m.Mapped) < 400 {
			m.Mapped = append(m.Mapped, "/"+strings.Repeat("x", 6200))
		}
		if err := writeSidecarPlain(store, &m); err != nil {
			t.Fatal(err)
		}
	}
	cfg := DefaultConfigValues()
	cfg.MaxUse, cfg.KeepFree, cfg.MaxUsePerUID = Size{Bytes: 12e6}, Size{}, Unlimited
	dropped, err := GC(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dropped {
		if d.UID == 0 {
			t.Fatalf("root's core evicted for sidecars nobody counted: %+v", dropped)
		}
	}
	if len(dropped) == 0 || !strings.HasPrefix(ids(t, store), "root") {
		t.Fatalf("dropped %+v, left %s", dropped, ids(t, store))
	}
}

// The handler bounds what a crasher can make it write into a sidecar.
func TestBoundSidecar(t *testing.T) {
	m := Meta{ID: "x", Exe: "/" + strings.Repeat("\x01", 60000)}
	for range 400 {
		p := "/" + strings.Repeat("\x02y", 2000)
		m.Mapped = append(m.Mapped, p)
		m.BuildIDs = append(m.BuildIDs, BuildID{Path: p, ID: "cafe"})
	}
	m.Cmdline = []string{strings.Repeat("\"", 60000), "b"}
	boundSidecar(&m)
	b, _ := jsonIndent(&m)
	if len(b) > sidecarMax || len(m.Trimmed) == 0 || len(m.BuildIDs) == 0 {
		t.Fatalf("sidecar %d bytes (max %d), trimmed %v, %d build-ids", len(b), sidecarMax, m.Trimmed, len(m.BuildIDs))
	}
}

func TestFind(t *testing.T) {
	store := t.TempDir()
	putEntry(t, store, "abc123", 1, 1, 1)
	putEntry(t, store, "abd456", 1, 1, 2)
	m := Meta{ID: "ffff00", PID: 77, Comm: "crashy", Time: time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)}
	writeSidecarPlain(store, &m)
	for q, want := range map[string]string{"abc123": "abc123", "abd": "abd456", "77": "ffff00", "crashy": "ffff00", "cabd456": "abd456"} {
		e, err := Find(store, q)
		if err != nil || e.ID != want {
			t.Errorf("Find(%q) = %v, %v; want %s", q, e, err, want)
		}
	}
	if _, err := Find(store, "ab"); err == nil {
		t.Error("an ambiguous prefix was accepted")
	}
	if _, err := Find(store, "nope"); err == nil {
		t.Error("no match was accepted")
	}
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig(strings.NewReader("[Coredump]\n# comment\nCompress = no\nProcessSizeMax = 2G\nMaxUse = 5%\nMaxUsePerUID = 100M\nHonorCoreLimit = yes\nPrevious = keep\nStore = /srv/cores\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Compress || c.ProcessSizeMax.Bytes != 2<<30 || c.MaxUse.Percent != 5 || c.MaxUsePerUID.Bytes != 100<<20 || !c.HonorCoreLimit || !c.KeepPrevious || c.Store != "/srv/cores" {
		t.Fatalf("config %+v", c)
	}
	for _, bad := range []string{"Compress = maybe", "ProcessSizeMax = 5%", "Store = rel", "Upload = ftp://x", "MaxUse = 12Q", "Previous = sometimes", "novalue"} {
		if _, err := ParseConfig(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A coredump.conf written for systemd-coredump (Storage=, JournalSizeMax=)
// or with a key from a newer quirk still loads: the keys are warned about,
// and everything else applies.
func TestParseConfigWarnsUnknownKeys(t *testing.T) {
	c, err := ParseConfig(strings.NewReader("[Coredump]\nStorage = external\nJournalSizeMax = 767M\nNope = 1\nCompress = no\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Compress || len(c.Warnings) != 3 {
		t.Fatalf("compress %v, warnings %q", c.Compress, c.Warnings)
	}
	if !strings.Contains(c.Warnings[0], "Storage= is a systemd-coredump setting") || !strings.Contains(c.Warnings[2], `unknown key "Nope"`) {
		t.Errorf("warnings %q", c.Warnings)
	}
}

// The store's one atomic writer: a reader sees the old file or the whole
// new one, a planted symlink at the final name is replaced (never written
// through), and no temporary file is left behind, also when the rename fails.
func TestStoreAtomicWriter(t *testing.T) {
	s := OpenStore(t.TempDir())
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, s.path("x.json")); err != nil {
		t.Fatal(err)
	}
	if err := s.writeFile("x.json", []byte("new"), true, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Fatal("wrote through a planted symlink")
	}
	fi, err := os.Lstat(s.path("x.json"))
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Fatalf("x.json: %v %v", fi, err)
	}
	// A directory in the way makes the rename fail: the error is returned
	// and the temporary file removed.
	if err := os.Mkdir(s.path("d.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.path("d.json/keep"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.writeFile("d.json", []byte("x"), false, nil); err == nil {
		t.Fatal("rename over a non-empty directory succeeded")
	}
	des, _ := os.ReadDir(s.Dir)
	for _, de := range des {
		if strings.HasPrefix(de.Name(), tmpPrefix) {
			t.Fatalf("temporary file %s left behind", de.Name())
		}
	}
}
