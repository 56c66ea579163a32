//go:build linux

package server

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/quirkcheck/quirk/corehook"
	"github.com/quirkcheck/quirk/corehook/coresock"
)

// crashOf fills what a pipe helper gets from its % specifiers, for a socket
// connection: pid, uids and dump mode from the pidfd (race-free), the rest
// from /proc/<pid> while the crasher is blocked in the kernel waiting for
// our ack. Every /proc read goes through one directory fd, and the pidfd
// must still name a live task after the reads, so a reused pid cannot slip
// in. The signal is not known yet (6.18 has no PIDFD_INFO_COREDUMP_SIGNAL):
// the handler takes it from the core's NT_PRSTATUS.
func crashOf(procRoot string, p *coresock.Peer, at time.Time) (corehook.Crash, string, error) {
	i := p.Info
	c := corehook.Crash{
		GlobalPID: int(i.Pid), GlobalTID: int(i.Pid), PID: int(i.Pid), TID: int(i.Pid),
		UID: i.Ruid, GID: i.Rgid, DumpMode: p.DumpMode(), Time: at.Unix(), CPU: -1,
		PidfdNumber: int(p.Pidfd.Fd()),
	}
	raw := "-"
	dir, err := os.OpenFile(filepath.Join(procRoot, strconv.Itoa(c.GlobalPID)), os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return c, raw, fmt.Errorf("open /proc/%d: %w", c.GlobalPID, err)
	}
	defer dir.Close()
	at2 := func(name string) []byte { return corehook.ReadProcFile(dir, name) }
	c.Comm = strings.TrimSuffix(string(at2("comm")), "\n")
	sc := bufio.NewScanner(bytes.NewReader(at2("status")))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		if k == "NSpid" {
			// The last entry is the pid in the crasher's own namespace (%p).
			if f := strings.Fields(v); len(f) > 0 {
				c.PID, _ = strconv.Atoi(f[len(f)-1])
				c.TID = c.PID
			}
		}
	}
	// %c: the soft RLIMIT_CORE, printed as the kernel prints it.
	sc = bufio.NewScanner(bytes.NewReader(at2("limits")))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Max core file size"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				raw = f[0]
				if raw == "unlimited" {
					raw = strconv.FormatUint(^uint64(0), 10)
				}
				c.CoreLimit, _ = strconv.ParseUint(raw, 10, 64)
			}
		}
	}
	// %C: field 39 of stat, after the parenthesised comm (which may hold
	// spaces and parentheses itself).
	if st := string(at2("stat")); st != "" {
		if j := strings.LastIndexByte(st, ')'); j >= 0 {
			if f := strings.Fields(st[j+1:]); len(f) > 36 {
				c.CPU, _ = strconv.Atoi(f[36])
			}
		}
	}
	// %h: the crasher's nodename is only known without entering its UTS
	// namespace when it shares ours.
	if same(filepath.Join(procRoot, "self", "ns", "uts"), dir, "ns/uts") {
		c.Hostname, _ = os.Hostname()
	}
	if !p.Alive() {
		return c, raw, fmt.Errorf("pid %d went away while /proc was read", c.GlobalPID)
	}
	return c, raw, nil
}

// same reports whether the namespace link self and <dir>/name are the same.
func same(self string, dir *os.File, name string) bool {
	a, err := os.Readlink(self)
	if err != nil {
		return false
	}
	buf := make([]byte, 256)
	n, err := unix.Readlinkat(int(dir.Fd()), name, buf)
	return err == nil && string(buf[:n]) == a
}
