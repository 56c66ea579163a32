package corehook

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/corehook/storm"
)

// TestHandleStormControl runs the real handler over a fake /proc with storm control on: the
// same crash is stored twice, then deduplicated; distinct crashes use up the bucket, then are
// rate-limited. Every crash leaves a sidecar and is counted once.
func TestHandleStormControl(t *testing.T) {
	root := t.TempDir()
	fakeCrashProc(t, root, 1000)
	store := filepath.Join(t.TempDir(), "store")
	state := filepath.Join(t.TempDir(), "run", "corehook.state")
	cfgPath := filepath.Join(t.TempDir(), "c.conf")
	conf := "Compress = no\nKeepFree = 0\nMaxUse = infinity\nStormState = " + state +
		"\nStormDedup = 2\nStormDedupWindow = 1h\nStormBurst = 3\nStormRate = 0\nStormWriters = 1\n"
	if err := os.WriteFile(cfgPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	core := synthCore(t, 64)
	var got []string
	for _, signal := range []int{11, 11, 11, 11, 11, 6, 4} {
		ha := testArgs(t, store, 1000)
		ha.Config, ha.Crash.Signal = cfgPath, signal
		m, _, err := Handle(HandleEnv{ProcRoot: root, Pidfd: fakePidfd(t, root, testPID)}, ha, bytes.NewReader(core))
		if err != nil {
			t.Fatal(err)
		}
		if disk := readMeta(t, store, m.ID); disk.Signature == "" || disk.Dropped != m.Dropped {
			t.Fatalf("sidecar %+v", disk)
		}
		switch {
		case m.CorePath != "":
			got = append(got, "core")
		default:
			got = append(got, m.Dropped)
		}
	}
	want := "core core storm: deduplicated storm: deduplicated storm: deduplicated core storm: rate-limited"
	if strings.Join(got, " ") != want {
		t.Fatalf("outcomes %q\nwant     %q", strings.Join(got, " "), want)
	}
	st, err := storm.Open(storm.Config{Path: state, Writers: 1, LockWait: 1e9}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Counters()
	if err != nil {
		t.Fatal(err)
	}
	if c.Received != 7 || c.Stored != 3 || c.MetadataOnly != 4 || c.Deduplicated != 3 || c.RateLimited != 1 || c.InFlight != 0 {
		t.Fatalf("counters %+v", c)
	}
}

func TestStormConfigDefaults(t *testing.T) {
	c := DefaultConfigValues()
	if c.StormConfig().Path != storm.DefaultPath {
		t.Fatalf("default store: storm state %q", c.StormConfig().Path)
	}
	c, err := ParseConfig(strings.NewReader("Store = /srv/cores\n"))
	if err != nil || c.StormConfig().Path != "" {
		t.Fatalf("other store: storm state %q (%v): must not share the default store's", c.StormConfig().Path, err)
	}
	c, err = ParseConfig(strings.NewReader("Store = /srv/cores\nStormState = /run/quirk/srv.state\nStormBurst = 5\nStormRate = 0.5\nStormDedup = 1\nStormDedupWindow = 90s\nStormWriters = 4\nStormSlotWait = 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	sc := c.StormConfig()
	if sc.Path != "/run/quirk/srv.state" || sc.Burst != 5 || sc.Rate != 0.5 || sc.DedupKeep != 1 || sc.DedupWindow.Seconds() != 90 || sc.Writers != 4 || sc.SlotWait.Seconds() != 3 {
		t.Fatalf("parsed %+v", sc)
	}
	for _, bad := range []string{"StormState = rel/path", "StormRate = -1", "StormWriters = 17", "StormBurst = x", "StormDedupWindow = -3s", "StormSlotWait = infinity"} {
		if _, err := ParseConfig(strings.NewReader(bad + "\n")); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	c, _ = ParseConfig(strings.NewReader("StormState = off\n"))
	if c.StormConfig().Path != "" {
		t.Fatal("StormState = off left storm control on")
	}
}
