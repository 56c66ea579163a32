//go:build linux

package corehook

// Crash-storm control in the handler: before a core is opened the crash is
// admitted through the shared state (corehook/storm), which may say
// "metadata only" (deduplicated, rate-limited, no writer slot); after the
// sidecar the outcome is recorded, and vacuum runs under the state lock.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/quirkcheck/quirk/corehook/storm"
	"golang.org/x/sys/unix"
)

// stormTicket is one crash's passage through storm control. The zero
// ticket (storm control off or unavailable) admits everything.
type stormTicket struct {
	st    *storm.State
	store Store
	cfg   Config // where repair and rebuild lines are logged
}

// admitStorm asks the shared state whether this crash gets a full core; when
// not, m.Dropped says why, so the handler writes metadata only. Crashes
// whose handlers died earlier are logged to dropped.log here. A state that
// cannot be used costs storm control, never the crash: it is logged and the
// crash proceeds as if storm control were off.
func admitStorm(store Store, cfg Config, c Crash, pi *procInfo, m *Meta) *stormTicket {
	sc := cfg.StormConfig()
	t := &stormTicket{store: store, cfg: cfg}
	if sc.Path == "" {
		return t
	}
	st, err := storm.Open(sc, func(line string) { LogCrash(cfg, "quirk corehook: "+line, nil) })
	if err != nil {
		LogCrash(cfg, "quirk corehook: storm control off for this crash: "+err.Error(), nil)
		return t
	}
	d, reaped, err := st.Admit(storm.Crash{PID: c.GlobalPID, UID: c.UID, Comm: m.Comm, Sig: crashSignature(c, pi, m)})
	if err != nil {
		st.Close()
		LogCrash(cfg, "quirk corehook: storm control off for this crash: "+err.Error(), nil)
		return t
	}
	t.st = st
	t.logReaped(reaped)
	if !d.Full {
		m.Dropped = "storm: " + d.Reason
	}
	return t
}

// logReaped writes dropped.log records for crashes whose handlers died
// before accounting for them (storm logged one line for each).
func (t *stormTicket) logReaped(reaped []storm.Reaped) {
	t.store.appendDropLog(reapedRecords(reaped))
}

// done records how the crash ended: a core, a sidecar only, or nothing.
func (t *stormTicket) done(m *Meta, sidecarWritten bool) {
	if t.st == nil {
		return
	}
	o := storm.Dropped
	switch {
	case m != nil && m.CorePath != "":
		o = storm.Stored
	case sidecarWritten:
		o = storm.MetadataOnly
	}
	if err := t.st.Done(o); err != nil {
		LogCrash(t.cfg, "quirk corehook: storm state: "+err.Error(), nil)
	}
	t.logReaped(t.st.TakeReaped())
	t.st.Close()
	t.st = nil
}

// locked runs the store's quota decisions under the state lock, so two
// handlers never evict at once or both see the same free space.
func (t *stormTicket) locked(fn func() error) error {
	if t.st == nil {
		return fn()
	}
	return t.st.Locked(fn)
}

// crashSignature identifies "the same crash" for dedup: the executable, the
// signal and the faulting frame as a file offset (so ASLR does not make every
// run different). The frame comes from the dumping thread's kstkeip, which
// the kernel shows for a task that is dumping core, mapped through
// /proc/<pid>/maps; both only from a verified /proc. Without it, the
// kernel's comm and signal stand in.
func crashSignature(c Crash, pi *procInfo, m *Meta) [16]byte {
	exe := m.Exe
	frame := ""
	if pi.Verified && pi.dir != nil {
		frame = faultFrame(pi.dir, c.GlobalTID)
	} else {
		exe = "comm:" + c.Comm
	}
	h := sha256.Sum256([]byte(exe + "\x00" + strconv.Itoa(c.Signal) + "\x00" + frame))
	m.Signature = fmt.Sprintf("%x", h[:8])
	if frame != "" {
		m.FaultFrame = frame
	}
	return [16]byte(h[:16])
}

// faultFrame returns "path+0xoffset" for the dumping thread's PC, or "".
func faultFrame(dir *os.File, tid int) string {
	read := func(name string) []byte {
		fd, err := unix.Openat(int(dir.Fd()), name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		if err != nil {
			return nil
		}
		f := os.NewFile(uintptr(fd), name)
		defer f.Close()
		b, _ := io.ReadAll(io.LimitReader(f, 4<<20))
		return b
	}
	stat := read("task/" + strconv.Itoa(tid) + "/stat")
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 28 {
		return ""
	}
	pc, err := strconv.ParseUint(f[27], 10, 64) // field 30, kstkeip
	if err != nil || pc == 0 {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(read("maps")))
	for sc.Scan() {
		// start-end perms offset dev inode path
		fl := strings.Fields(sc.Text())
		if len(fl) < 5 {
			continue
		}
		lo, hi, ok := strings.Cut(fl[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		off, err3 := strconv.ParseUint(fl[2], 16, 64)
		if !ok || err1 != nil || err2 != nil || err3 != nil || pc < start || pc >= end {
			continue
		}
		path := "[anon]"
		if len(fl) >= 6 {
			path = strings.Join(fl[5:], " ")
		}
		return fmt.Sprintf("%s+%#x", path, pc-start+off)
	}
	return fmt.Sprintf("%#x", pc)
}
