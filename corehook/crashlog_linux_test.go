//go:build linux

package corehook

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func withLogSockets(t *testing.T, journal string, syslogs ...string) {
	oj, os_ := journalSocket, syslogSockets
	journalSocket, syslogSockets = journal, syslogs
	t.Cleanup(func() { journalSocket, syslogSockets = oj, os_ })
}

func listenGram(t *testing.T, path string) *net.UnixConn {
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func readGram(t *testing.T, c *net.UnixConn) string {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 64<<10)
	n, err := c.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(b[:n])
}

// A crash line reaches the journal when its socket exists, else syslog,
// else the store's own log file: never nowhere.
func TestLogCrashFallbacks(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	os.Mkdir(store, 0o700)
	m := &Meta{ID: "abc", PID: 7, UID: 1000, Signal: 11, Comm: "evil\nMESSAGE=forged", CorePath: "/x/abc.core"}
	cfg := Config{Store: store}

	j := listenGram(t, filepath.Join(dir, "journal"))
	sl := listenGram(t, filepath.Join(dir, "log"))
	withLogSockets(t, filepath.Join(dir, "journal"), filepath.Join(dir, "log"))
	if where := LogCrash(cfg, "crash of pid 7", m); where != journalSocket {
		t.Fatalf("went to %q with a journal present", where)
	}
	got := readGram(t, j)
	for _, want := range []string{"MESSAGE=crash of pid 7\n", "COREDUMP_PID=7\n", "COREDUMP_SIGNAL=11\n", "COREDUMP_COMM=evil?MESSAGE=forged\n", "SYSLOG_IDENTIFIER=quirk-corehook\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("journal entry lacks %q:\n%s", want, got)
		}
	}

	withLogSockets(t, filepath.Join(dir, "no-journal"), filepath.Join(dir, "no-log"), filepath.Join(dir, "log"))
	if where := LogCrash(cfg, "second", m); where != filepath.Join(dir, "log") {
		t.Fatalf("went to %q without a journal", where)
	}
	if got := readGram(t, sl); !strings.Contains(got, "quirk-corehook") || !strings.Contains(got, "second") {
		t.Errorf("syslog got %q", got)
	}

	withLogSockets(t, filepath.Join(dir, "no-journal"), filepath.Join(dir, "no-log"))
	if where := LogCrash(cfg, "third\nforged line", m); where != filepath.Join(store, storeLogName) {
		t.Fatalf("went to %q with neither journal nor syslog", where)
	}
	b, _ := os.ReadFile(filepath.Join(store, storeLogName))
	if !strings.HasSuffix(string(b), " third?forged line\n") || strings.Count(string(b), "\n") != 1 {
		t.Errorf("store log %q", b)
	}

	// The admin's Log file wins over everything.
	cfg.Log = filepath.Join(dir, "admin.log")
	if where := LogCrash(cfg, "fourth", m); where != cfg.Log {
		t.Fatalf("went to %q with Log set", where)
	}
	// A symlink planted at the store's log is not followed.
	cfg.Log = ""
	os.Remove(filepath.Join(store, storeLogName))
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, nil, 0o600)
	os.Symlink(victim, filepath.Join(store, storeLogName))
	LogCrash(cfg, "fifth", m)
	if b, _ := os.ReadFile(victim); len(b) != 0 {
		t.Error("the log followed a planted symlink")
	}
}
