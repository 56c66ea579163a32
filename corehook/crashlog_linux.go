//go:build linux

package corehook

import (
	"fmt"
	"log/syslog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Where crash lines go, in order; variables so tests can point them at
// sockets of their own.
var (
	journalSocket = "/run/systemd/journal/socket"
	syslogSockets = []string{"/dev/log", "/var/run/syslog", "/var/run/log"}
)

// storeLogName is the last resort: a file in the store.
const storeLogName = "corehook.log"

// LogCrash writes one line about a crash: to the Log file when the config
// names one, else to the journal's native socket (with COREDUMP_* fields),
// else to syslog, else to <store>/corehook.log, so a host without a
// logging daemon still keeps a record. It returns where the line went.
func LogCrash(cfg Config, line string, m *Meta) string {
	line = oneLine(line)
	stamp := time.Now().UTC().Format(time.RFC3339)
	appendTo := func(path string) bool {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
		if err != nil {
			return false
		}
		defer f.Close()
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			return false
		}
		_, err = fmt.Fprintf(f, "%s %s\n", stamp, line)
		return err == nil
	}
	if cfg.Log != "" && appendTo(cfg.Log) {
		return cfg.Log
	}
	if sendJournal(line, m) == nil {
		return journalSocket
	}
	for _, p := range syslogSockets {
		if w, err := syslog.Dial("unixgram", p, syslog.LOG_DAEMON|syslog.LOG_NOTICE, "quirk-corehook"); err == nil {
			err = w.Notice(line)
			w.Close()
			if err == nil {
				return p
			}
		}
	}
	if cfg.Store != "" {
		p := filepath.Join(cfg.Store, storeLogName)
		if appendTo(p) {
			return p
		}
	}
	// The store is read-only or full too: the kernel's log is always
	// there, and a crash must leave a trace somewhere.
	if f, err := os.OpenFile("/dev/kmsg", os.O_WRONLY|syscall.O_CLOEXEC, 0); err == nil {
		_, err = fmt.Fprintf(f, "<5>quirk-corehook: %.900s\n", line)
		f.Close()
		if err == nil {
			return "/dev/kmsg"
		}
	}
	return ""
}

// sendJournal sends one entry over the journal's native protocol: a
// datagram of KEY=value lines (values here never hold a newline).
func sendJournal(line string, m *Meta) error {
	var b strings.Builder
	field := func(k, v string) { b.WriteString(k + "=" + oneLine(v) + "\n") }
	field("MESSAGE", line)
	field("PRIORITY", "5")
	field("SYSLOG_IDENTIFIER", "quirk-corehook")
	if m != nil {
		field("QUIRK_COREDUMP_ID", m.ID)
		field("COREDUMP_PID", strconv.Itoa(m.PID))
		field("COREDUMP_UID", strconv.FormatUint(uint64(m.UID), 10))
		field("COREDUMP_GID", strconv.FormatUint(uint64(m.GID), 10))
		field("COREDUMP_SIGNAL", strconv.Itoa(m.Signal))
		field("COREDUMP_COMM", m.Comm)
		field("COREDUMP_EXE", m.Exe)
		if m.CorePath != "" {
			field("COREDUMP_FILENAME", m.CorePath)
		}
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: journalSocket, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte(b.String()))
	return err
}

// oneLine replaces control characters: crasher-chosen text (comm, paths)
// must not forge log lines or journal fields.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}
