package corehook

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/corehook"
)

// TestCLIStatusShowsStormCounters: a crash handled with storm control on shows up in status,
// as text and as JSON.
func TestCLIStatusShowsStormCounters(t *testing.T) {
	root := fakeProc(t, "core\n", "6.18.0")
	pid := strconv.Itoa(testPID)
	for name, v := range map[string]string{pid + "/comm": "crashy\n", pid + "/status": "Uid:\t1000\t1000\t1000\t1000\nGid:\t0\t0\t0\t0\n", "sys/" + corehook.KnobBootID: "b00t\n"} {
		os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755)
		os.WriteFile(filepath.Join(root, name), []byte(v), 0o644)
	}
	dir := t.TempDir()
	store, state, conf := filepath.Join(dir, "store"), filepath.Join(dir, "run", "storm.state"), filepath.Join(dir, "c.conf")
	os.WriteFile(conf, []byte("Store = "+store+"\nCompress = no\nMaxUse = infinity\nKeepFree = 0\nStormState = "+state+"\nStormDedup = 1\n"), 0o644)
	for range 2 {
		ha, err := corehook.ParseHandleArgs([]string{"-c", conf, pid, "7", "7", pid, "1000", "0", "11", "1700000000", "0", "1", "0", "-", "box", "crashy"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := corehook.Handle(corehook.HandleEnv{ProcRoot: root}, ha, bytes.NewReader(make([]byte, 4096))); err != nil {
			t.Fatal(err)
		}
	}
	_, out, stderr := runMain(t, "status", "--proc-root", root, "--config", conf)
	want := "storm: " + state + ": received 2, stored 1, metadata only 1 (deduplicated 1, rate-limited 0, no writer slot 0), dropped 0"
	if !strings.Contains(out, want) {
		t.Fatalf("status:\n%s%s\nwant a line with %q", out, stderr, want)
	}
	_, out, _ = runMain(t, "status", "--proc-root", root, "--config", conf, "--json")
	var st corehook.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Storm == nil || st.Storm.Counters == nil || st.Storm.Counters.Deduplicated != 1 {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
}
