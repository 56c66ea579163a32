//go:build linux

package expand

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// sandboxUID is "nobody": RLIMIT_NPROC is not enforced for root, and an
// unprivileged user cannot write outside the directories handed to it.
const sandboxUID = 65534

var (
	isolationOnce  sync.Once
	isolationFlags uintptr
	isolationNotes []string
)

// probeIsolation finds, once per process, whether shells can start in a new
// network namespace. As root that is CLONE_NEWNET; otherwise a user
// namespace is needed too, which some machines forbid.
func probeIsolation(bash string) {
	isolationOnce.Do(func() {
		try := func(flags uintptr) error {
			cmd := exec.Command(bash, "-c", ":")
			cmd.Env = []string{}
			attr := baseAttr()
			attr.Cloneflags = flags
			if flags&syscall.CLONE_NEWUSER != 0 {
				attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: os.Getuid(), HostID: os.Getuid(), Size: 1}}
				attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: os.Getgid(), HostID: os.Getgid(), Size: 1}}
			}
			cmd.SysProcAttr = attr
			return cmd.Run()
		}
		var user uintptr
		if os.Geteuid() != 0 {
			if landlockVersion() > 0 {
				// An unprivileged user needs a user namespace for the
				// others, and Go maps it by writing /proc/PID/uid_map from
				// the starting thread, which Landlock has already closed.
				isolationNotes = append(isolationNotes, "not root: no PID or network namespace (Landlock confinement is used instead)")
				return
			}
			user = syscall.CLONE_NEWUSER
		}
		// A PID namespace makes the shell the init of its own tree: when
		// it exits the kernel kills and reaps everything it left behind
		// (a fork bomb's children, orphans no init would reap here).
		if err := try(user | syscall.CLONE_NEWPID); err != nil {
			isolationNotes = append(isolationNotes, fmt.Sprintf("no PID namespace (%v): orphans are killed by process group only", err))
		} else {
			isolationFlags |= user | syscall.CLONE_NEWPID
		}
		if err := try(isolationFlags | user | syscall.CLONE_NEWNET); err != nil {
			isolationNotes = append(isolationNotes, fmt.Sprintf("no network namespace (%v): shells share the host network", err))
		} else {
			isolationFlags |= user | syscall.CLONE_NEWNET
		}
	})
}

func baseAttr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		attr.Credential = &syscall.Credential{Uid: sandboxUID, Gid: sandboxUID, Groups: []uint32{}}
	}
	return attr
}

func sandboxAttr() *syscall.SysProcAttr {
	attr := baseAttr()
	attr.Cloneflags = isolationFlags
	if isolationFlags&syscall.CLONE_NEWUSER != 0 {
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: os.Getuid(), HostID: os.Getuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: os.Getgid(), HostID: os.Getgid(), Size: 1}}
	}
	return attr
}

func platformNotes(bash string) []string {
	probeIsolation(bash)
	notes := append([]string{}, isolationNotes...)
	if landlockVersion() == 0 {
		notes = append(notes, "no Landlock in this kernel: shells may read and write wherever their user may")
	}
	if os.Geteuid() != 0 {
		notes = append(notes, fmt.Sprintf("running as uid %d, not root: shells keep that user (no drop to nobody)", os.Geteuid()))
	}
	return notes
}

// handOver gives the working directory to the sandbox user.
func handOver(dir string) error {
	if os.Geteuid() == 0 {
		if err := os.Chown(dir, sandboxUID, sandboxUID); err != nil {
			return err
		}
		return nil
	}
	return nil
}

func killGroup(p *os.Process) {
	if p == nil {
		return
	}
	// One kill can race with a fork in progress (a fork bomb), so repeat
	// until the group is empty.
	for i := 0; i < 1000; i++ {
		if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil {
			return // ESRCH: nobody left
		}
		time.Sleep(time.Millisecond)
	}
}

func signalOf(e *exec.ExitError) (int, bool) {
	if ws, ok := e.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return int(ws.Signal()), true
	}
	return 0, false
}
