//go:build linux

package expand

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A cgroup caps the memory and the number of tasks of one sandbox's whole
// process tree (RLIMIT_AS and RLIMIT_NPROC hold per process and per user
// only). It is made below quirk's own cgroup and removed with the sandbox,
// after everything still in it has been killed.
//
// Two layouts are handled:
//   - cgroup v2 (one hierarchy with the memory and pids controllers): the
//     engine is started straight into it (clone3 CLONE_INTO_CGROUP, via
//     SysProcAttr.CgroupFD), so no process of it ever runs outside.
//   - cgroup v1 (a hybrid machine, where memory and pids are v1
//     controllers): the sandbox's first process, quirk's limiter, writes
//     its own PID into each cgroup.procs before it starts bubblewrap;
//     cgroup.procs is handed to the sandbox user for that.
type cgroup struct {
	dirs  []string // one per hierarchy (v1) or the single v2 directory
	procs []string // cgroup.procs files the limiter joins (v1 only)
	fd    int      // the v2 directory, for CLONE_INTO_CGROUP; -1 with v1
}

// newCgroup makes the sandbox's cgroup with the given caps.
func newCgroup(memBytes int64, maxTasks int) (*cgroup, error) {
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	v1 := map[string]string{}
	v2 := ""
	sc := bufio.NewScanner(bytes.NewReader(self))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			v2 = parts[2]
			continue
		}
		for _, ctl := range strings.Split(parts[1], ",") {
			v1[ctl] = parts[2]
		}
	}
	name := fmt.Sprintf("quirk-expand-%d-%d", os.Getpid(), time.Now().UnixNano())
	cg := &cgroup{fd: -1}
	if memPath, ok := v1["memory"]; ok {
		pidsPath, ok := v1["pids"]
		if !ok {
			return nil, errors.New("cgroup v1 without the pids controller")
		}
		mem := filepath.Join("/sys/fs/cgroup/memory", memPath, name)
		pids := filepath.Join("/sys/fs/cgroup/pids", pidsPath, name)
		for _, d := range []string{mem, pids} {
			if err := os.Mkdir(d, 0o755); err != nil {
				cg.remove()
				return nil, err
			}
			cg.dirs = append(cg.dirs, d)
			procs := filepath.Join(d, "cgroup.procs")
			cg.procs = append(cg.procs, procs)
			if os.Geteuid() == 0 {
				if err := os.Chown(procs, sandboxUID, sandboxUID); err != nil {
					cg.remove()
					return nil, err
				}
			}
		}
		err := errors.Join(
			writeCgroupFile(mem, "memory.limit_in_bytes", strconv.FormatInt(memBytes, 10)),
			writeCgroupFile(pids, "pids.max", strconv.Itoa(maxTasks)),
		)
		if _, serr := os.Stat(filepath.Join(mem, "memory.memsw.limit_in_bytes")); serr == nil && err == nil {
			err = writeCgroupFile(mem, "memory.memsw.limit_in_bytes", strconv.FormatInt(memBytes, 10))
		}
		if err != nil {
			cg.remove()
			return nil, err
		}
		return cg, nil
	}
	// cgroup v2: the parent must already delegate memory and pids to its
	// children (a systemd user slice or a container usually does).
	parent := filepath.Join("/sys/fs/cgroup", v2)
	ctl, err := os.ReadFile(filepath.Join(parent, "cgroup.subtree_control"))
	if err != nil {
		return nil, fmt.Errorf("cgroup v2: %w", err)
	}
	if f := strings.Fields(string(ctl)); !contains(f, "memory") || !contains(f, "pids") {
		return nil, fmt.Errorf("cgroup v2: %s does not delegate the memory and pids controllers", parent)
	}
	d := filepath.Join(parent, name)
	if err := os.Mkdir(d, 0o755); err != nil {
		return nil, err
	}
	cg.dirs = []string{d}
	if err := errors.Join(
		writeCgroupFile(d, "memory.max", strconv.FormatInt(memBytes, 10)),
		writeCgroupFile(d, "memory.swap.max", "0"),
		writeCgroupFile(d, "pids.max", strconv.Itoa(maxTasks)),
	); err != nil {
		cg.remove()
		return nil, err
	}
	fd, err := unix.Open(d, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		cg.remove()
		return nil, err
	}
	cg.fd = fd
	return cg, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func writeCgroupFile(dir, name, value string) error {
	if err := os.WriteFile(filepath.Join(dir, name), []byte(value), 0); err != nil {
		if errors.Is(err, os.ErrNotExist) && name == "memory.swap.max" {
			return nil // no swap accounting on this kernel
		}
		return fmt.Errorf("cgroup %s: %w", name, err)
	}
	return nil
}

// kill ends every process still in the cgroup, repeating while a fork
// bomb races the kill.
func (cg *cgroup) kill() {
	for _, d := range cg.dirs {
		if err := os.WriteFile(filepath.Join(d, "cgroup.kill"), []byte("1"), 0); err == nil {
			continue
		}
		for i := range 1000 {
			data, err := os.ReadFile(filepath.Join(d, "cgroup.procs"))
			if err != nil || len(bytes.TrimSpace(data)) == 0 {
				break
			}
			for _, f := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			settle(i, time.Millisecond)
		}
	}
}

// remove kills what is left and removes the directories; the kernel
// refuses rmdir while a dying task is still being reaped, so it retries.
func (cg *cgroup) remove() {
	if cg == nil {
		return
	}
	cg.kill()
	if cg.fd >= 0 {
		unix.Close(cg.fd)
		cg.fd = -1
	}
	for _, d := range cg.dirs {
		for i := 0; i < 250; i++ {
			if err := os.Remove(d); err == nil || errors.Is(err, os.ErrNotExist) {
				break
			}
			settle(i, 5*time.Millisecond)
		}
	}
	cg.dirs = nil
}

// settle waits before look number i+1 at processes that are still going
// away, at most limit: a task killed a moment ago (the sandbox's init,
// exiting just after bubblewrap) is usually gone within a fraction of a
// millisecond, and a fixed millisecond's sleep was 1-2% of a 3,000-case
// call, on its critical path. The short waits are a nanosleep on this
// thread: the Go scheduler rounds a sub-millisecond time.Sleep of an
// otherwise idle process up to about a millisecond.
func settle(i int, limit time.Duration) {
	d := limit
	if i < 10 {
		d = min(50*time.Microsecond<<i, limit)
	}
	if d >= time.Millisecond {
		time.Sleep(d)
		return
	}
	ts := unix.NsecToTimespec(d.Nanoseconds())
	_ = unix.Nanosleep(&ts, nil)
}
