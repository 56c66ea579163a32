//go:build linux

package corehook

// The crasher context: what /proc/<pid> says about the crashed process, and
// when that may be trusted (systemd: coredump-context.c). Everything read
// here goes through one directory fd that was proven to be the crasher's.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// procInfo is what /proc/<pid> says about the crasher.
//
// Verified means a pidfd proved the directory is the crasher's. Without a
// pidfd (kernels before 6.16) the values are read but unverified: a
// core_pipe_limit above 0 keeps the crasher around only until it gets
// SIGKILL, after which its PID can be reused by an impostor. Refuted means
// the pidfd named another process: nothing read through the directory is
// kept.
type procInfo struct {
	Verified     bool
	Refuted      bool
	Why          string // why not verified
	dir          *os.File
	Exe, Cwd     string
	Cmdline      []string
	Comm         string
	Cgroup       string
	CredsChanged bool
	UIDs, GIDs   [4]int // real, effective, saved, fs; -1 if unknown
	FSUID, FSGID int
	uidMap       []idRange
	gidMap       []idRange
}

// idRange is one line of /proc/<pid>/uid_map or gid_map: IDs first..+count
// inside the crasher's user namespace are lower..+count outside.
type idRange struct{ first, lower, count uint64 }

func parseIDMap(b []byte) []idRange {
	var out []idRange
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 {
			continue
		}
		var r idRange
		var err [3]error
		r.first, err[0] = strconv.ParseUint(f[0], 10, 32)
		r.lower, err[1] = strconv.ParseUint(f[1], 10, 32)
		r.count, err[2] = strconv.ParseUint(f[2], 10, 32)
		if err[0] == nil && err[1] == nil && err[2] == nil {
			out = append(out, r)
		}
	}
	return out
}

// toHost maps an ID seen inside the crasher's user namespace (as in its
// auxv) to the initial namespace, where %u and %g live. Without a map (or
// an unmapped ID) it is returned unchanged and ok is false.
func toHost(m []idRange, id uint64) (uint64, bool) {
	for _, r := range m {
		if id >= r.first && id-r.first < r.count {
			return r.lower + (id - r.first), true
		}
	}
	return id, false
}

// sameIDs reports whether /proc says all four uids and gids equal uid and gid.
func (pi *procInfo) sameIDs(uid, gid uint32) bool {
	for i := range 4 {
		if pi.UIDs[i] != int(uid) || pi.GIDs[i] != int(gid) {
			return false
		}
	}
	return true
}

// pidfdPid reads "Pid:" from the pidfd's fdinfo: -1 once the task was reaped.
func pidfdPid(procRoot string, pidfd *os.File) (int, error) {
	b, err := readSmall(filepath.Join(procRoot, "self", "fdinfo", strconv.Itoa(int(pidfd.Fd()))))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Pid:"); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, errors.New("no Pid: line in pidfd fdinfo")
}

// readProc opens /proc/<pid> as a directory fd and reads the crasher's
// exe, cwd, cmdline, comm, cgroup, ids and user namespace maps through it.
// With a pidfd, its Pid must equal %P before and after: then the values are
// verified; a mismatch refutes them and they are dropped. Without a pidfd
// they are kept but unverified (see procInfo).
func readProc(env HandleEnv, pid int) *procInfo {
	unknown := [4]int{-1, -1, -1, -1}
	pi := &procInfo{FSUID: -1, FSGID: -1, UIDs: unknown, GIDs: unknown}
	dirPath := filepath.Join(env.ProcRoot, strconv.Itoa(pid))
	dir, err := os.OpenFile(dirPath, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		pi.Why = "open /proc/<pid>: " + err.Error()
		return pi
	}
	pi.dir = dir
	if env.Pidfd != nil {
		p, err := pidfdPid(env.ProcRoot, env.Pidfd)
		if err != nil || p != pid {
			pi.Refuted = true
			pi.Why = fmt.Sprintf("pidfd names pid %d (%v), not %d", p, err, pid)
			return pi
		}
		pi.Verified = true
	} else {
		pi.Why = "no pidfd: after a SIGKILL the PID may belong to another process"
	}
	at := func(name string) []byte { return ReadProcFile(dir, name) }
	link := func(name string) string {
		buf := make([]byte, 4096)
		n, err := unix.Readlinkat(int(dir.Fd()), name, buf)
		if err != nil {
			return ""
		}
		return string(buf[:n])
	}
	pi.Exe = link("exe")
	pi.Cwd = link("cwd")
	pi.Comm = strings.TrimSuffix(string(at("comm")), "\n")
	pi.Cgroup = strings.TrimSpace(string(at("cgroup")))
	if cl := strings.TrimSuffix(string(at("cmdline")), "\x00"); cl != "" {
		pi.Cmdline = strings.Split(cl, "\x00")
	}
	pi.uidMap, pi.gidMap = parseIDMap(at("uid_map")), parseIDMap(at("gid_map"))
	sc := bufio.NewScanner(bytes.NewReader(at("status")))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		f := strings.Fields(v)
		if (k == "Uid" || k == "Gid") && len(f) == 4 {
			ids := &pi.UIDs
			if k == "Gid" {
				ids = &pi.GIDs
			}
			for i := range 4 {
				n, err := strconv.Atoi(f[i])
				if err != nil {
					n = -1
				}
				ids[i] = n
			}
			if f[0] != f[1] || f[0] != f[2] || f[0] != f[3] {
				pi.CredsChanged = true
			}
		}
	}
	pi.FSUID, pi.FSGID = pi.UIDs[3], pi.GIDs[3]
	// Re-check: if the crasher was reaped (and its PID reused) while we
	// opened the directory, the pidfd now says -1.
	if env.Pidfd != nil {
		if p, err := pidfdPid(env.ProcRoot, env.Pidfd); err != nil || p != pid {
			d := pi.dir
			*pi = procInfo{Refuted: true, Why: "the crasher went away while /proc was read", FSUID: -1, FSGID: -1, UIDs: unknown, GIDs: unknown}
			pi.dir = d
		}
	}
	return pi
}

// ReadProcFile reads up to 64 KiB of the file name inside an open
// /proc/<pid> directory, never following a link: a crasher controls much
// of what /proc shows about it. It returns nil when the file cannot be read.
func ReadProcFile(dir *os.File, name string) []byte {
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
	return b
}
