//go:build linux

package expand

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
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
		flags := uintptr(syscall.CLONE_NEWNET)
		if os.Geteuid() != 0 {
			flags |= syscall.CLONE_NEWUSER
		}
		if err := try(flags); err != nil {
			isolationNotes = append(isolationNotes, fmt.Sprintf("no network namespace (%v): shells share the host network", err))
			return
		}
		isolationFlags = flags
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
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
}

func signalOf(e *exec.ExitError) (int, bool) {
	if ws, ok := e.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return int(ws.Signal()), true
	}
	return 0, false
}
