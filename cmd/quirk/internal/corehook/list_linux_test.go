package corehook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quirkcheck/quirk/corehook"
)

// listStore writes sidecars for five crashes an hour apart, the newest at
// 2026-12-01 12:00 UTC.
func listStore(t *testing.T) string {
	t.Helper()
	store := t.TempDir()
	base := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for i, c := range []struct {
		id, comm, exe string
		pid           int
		uid           uint32
	}{
		{"aaaa01", "sshd", "/usr/sbin/sshd", 100, 0},
		{"aaaa02", "crashy", "/usr/bin/crashy", 200, 1000},
		{"aaaa03", "crashy", "/opt/crashy", 300, 1001},
		{"aaaa04", "bash", "/usr/bin/bash", 400, 1000},
		{"aaaa05", "crashy", "/usr/bin/crashy", 500, 1000},
	} {
		m := corehook.Meta{ID: c.id, Comm: c.comm, Exe: c.exe, PID: c.pid, NSPID: c.pid, UID: c.uid, Signal: 11, SignalName: "SIGSEGV", Time: base.Add(time.Duration(i) * time.Hour), BuildIDs: []corehook.BuildID{}}
		if i != 1 {
			m.CorePath = filepath.Join(store, c.id+".core")
			os.WriteFile(m.CorePath, []byte("core"), 0o600)
		} else {
			m.Dropped = "ProcessSizeMax"
		}
		b, _ := json.Marshal(m)
		if err := os.WriteFile(filepath.Join(store, c.id+".json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

func ids(out string) []string {
	var r []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && strings.HasPrefix(f[len(f)-1], "aaaa") {
			r = append(r, f[len(f)-1])
		}
	}
	return r
}

func TestListSelection(t *testing.T) {
	store := listStore(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "aaaa01 aaaa02 aaaa03 aaaa04 aaaa05"},
		{[]string{"-1"}, "aaaa05"},
		{[]string{"-n", "2"}, "aaaa04 aaaa05"},
		{[]string{"-r", "-n", "2"}, "aaaa05 aaaa04"},
		{[]string{"crashy"}, "aaaa02 aaaa03 aaaa05"},
		{[]string{"/usr/bin/crashy"}, "aaaa02 aaaa05"},
		{[]string{"exe=/opt/crashy"}, "aaaa03"},
		{[]string{"300"}, "aaaa03"},
		{[]string{"COREDUMP_UID=1000"}, "aaaa02 aaaa04 aaaa05"},
		{[]string{"uid=0", "bash"}, "aaaa01 aaaa04"},
		{[]string{"--since", "2026-12-01T10:00:00Z"}, "aaaa03 aaaa04 aaaa05"},
		{[]string{"--until", "2026-12-01T09:30:00Z"}, "aaaa01 aaaa02"},
		{[]string{"--since", "2026-12-01T09:00:00Z", "--until", "2026-12-01T11:00:00Z", "crashy"}, "aaaa02 aaaa03"},
	} {
		args := append([]string{"list", "--store", store}, tc.args...)
		code, out, errs := runMain(t, args...)
		if got := strings.Join(ids(out), " "); code != 0 || got != tc.want {
			t.Errorf("list %q: exit %d, got %q, want %q\n%s", tc.args, code, got, tc.want, errs)
		}
	}
	code, out, _ := runMain(t, "list", "--store", store, "nosuchcomm")
	if code != exitFindings || out != "" {
		t.Errorf("no match: exit %d, %q", code, out)
	}
	if code, _, _ := runMain(t, "list", "--store", store, "--since", "someday"); code != exitBadSyntax {
		t.Errorf("a bad --since: exit %d", code)
	}
}

func TestListColumnsAndLegend(t *testing.T) {
	store := listStore(t)
	_, out, _ := runMain(t, "list", "--store", store)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if f := strings.Fields(lines[0]); strings.Join(f, " ") != "TIME PID UID GID SIG COREFILE EXE SIZE ID" {
		t.Errorf("header %q", lines[0])
	}
	if !strings.Contains(lines[2], "none") || !strings.Contains(lines[1], "present") || !strings.Contains(lines[1], "/usr/sbin/sshd") {
		t.Errorf("rows:\n%s", out)
	}
	os.Remove(filepath.Join(store, "aaaa03.core"))
	_, out, _ = runMain(t, "list", "--store", store, "--no-legend", "300")
	if strings.Contains(out, "TIME") || !strings.Contains(out, "missing") {
		t.Errorf("--no-legend, missing core:\n%s", out)
	}
}

func TestListJSON(t *testing.T) {
	store := listStore(t)
	_, short, _ := runMain(t, "list", "--store", store, "--json=short", "-1")
	if strings.Count(strings.TrimSpace(short), "\n") != 0 {
		t.Errorf("--json=short is not one line:\n%s", short)
	}
	var rows []struct {
		ID       string `json:"id"`
		Corefile string `json:"corefile"`
	}
	if err := json.Unmarshal([]byte(short), &rows); err != nil || len(rows) != 1 || rows[0].ID != "aaaa05" || rows[0].Corefile != "present" {
		t.Errorf("rows %+v, %v", rows, err)
	}
	_, pretty, _ := runMain(t, "list", "--store", store, "--json")
	if !strings.Contains(pretty, "\n  {") {
		t.Errorf("--json is not indented:\n%.200s", pretty)
	}
	if code, _, _ := runMain(t, "list", "--store", store, "--json=yaml"); code != exitBadSyntax {
		t.Errorf("--json=yaml: exit %d", code)
	}
}

// Unknown keys in the config, and systemd-coredump's own, are warned
// about and the verb still runs.
func TestConfigWarningNotFatal(t *testing.T) {
	store := listStore(t)
	conf := filepath.Join(t.TempDir(), "c.conf")
	os.WriteFile(conf, []byte("[Coredump]\nStorage=external\nStore = "+store+"\n"), 0o600)
	code, out, errs := runMain(t, "list", "--config", conf, "-1")
	if code != 0 || !strings.Contains(out, "aaaa05") || !strings.Contains(errs, "Storage= is a systemd-coredump setting") {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
}
