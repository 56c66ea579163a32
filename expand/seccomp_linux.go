//go:build linux

package expand

import (
	"encoding/binary"
	"fmt"
	"sync"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// The seccomp filter bubblewrap installs (--seccomp FD) just before it
// starts the engine. A deny list: shells and the Go worker need most of the
// kernel, but none of them needs to debug, mount, make namespaces, load
// programs or keys, or open a socket. Denied calls fail with EPERM, so a
// shell prints an error instead of dying; a call made under another
// architecture's ABI (32-bit int 0x80 on amd64, which would dodge the
// table) kills the process. The program is assembled by
// github.com/elastic/go-seccomp-bpf (pure Go, syscall tables generated from
// the kernel's, handles the x32 ABI bit), so no syscall number is typed by
// hand here.

// deniedSyscalls fail with EPERM inside the sandbox. Names unknown on the
// running architecture are dropped (arm64 has no ioperm).
var deniedSyscalls = []string{
	// debugging and other processes' memory
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
	// mounts and the file system tree
	"mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsmount", "fspick",
	"fsconfig", "mount_setattr", "name_to_handle_at", "open_by_handle_at",
	// namespaces
	"unshare", "setns",
	// kernel programs, keys, performance counters, io_uring (its socket
	// and file operations bypass this filter)
	"bpf", "keyctl", "add_key", "request_key", "perf_event_open", "userfaultfd",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	// sockets: none at all (socketpair is allowed for AF_UNIX below)
	"socket",
	// the machine
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
	"swapon", "swapoff", "acct", "quotactl", "syslog", "settimeofday", "clock_settime", "clock_adjtime",
	"adjtimex", "iopl", "ioperm", "vhangup", "lookup_dcookie", "fanotify_init",
}

// cloneNamespaceFlags are the clone(2) flags that would make namespaces.
const cloneNamespaceFlags = unix.CLONE_NEWNS | unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET |
	unix.CLONE_NEWIPC | unix.CLONE_NEWUTS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWTIME

var (
	seccompOnce sync.Once
	seccompProg []byte
	seccompErr  error
)

// seccompProgram is the filter as the kernel's struct sock_filter array,
// the format bubblewrap reads from its --seccomp descriptor.
func seccompProgram() ([]byte, error) {
	seccompOnce.Do(func() { seccompProg, seccompErr = buildSeccomp() })
	return seccompProg, seccompErr
}

func buildSeccomp() ([]byte, error) {
	info, err := arch.GetInfo("")
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	var names []string
	for _, n := range deniedSyscalls {
		if _, ok := info.SyscallNames[n]; ok {
			names = append(names, n)
		}
	}
	eperm := seccomp.ActionErrno | seccomp.Action(unix.EPERM)
	policy := seccomp.Policy{
		DefaultAction: seccomp.ActionAllow,
		Syscalls: []seccomp.SyscallGroup{
			{Action: eperm, Names: names},
			{Action: eperm, NamesWithCondtions: []seccomp.NameWithConditions{
				{Name: "clone", Conditions: seccomp.ArgumentConditions{{Argument: 0, Operation: seccomp.BitsSet, Value: cloneNamespaceFlags}}},
				{Name: "socketpair", Conditions: seccomp.ArgumentConditions{{Argument: 0, Operation: seccomp.NotEqual, Value: unix.AF_UNIX}}},
				// TIOCSTI and TIOCLINUX push input into a terminal;
				// --new-session already detaches from it.
				{Name: "ioctl", Conditions: seccomp.ArgumentConditions{{Argument: 1, Operation: seccomp.Equal, Value: unix.TIOCSTI}}},
				{Name: "ioctl", Conditions: seccomp.ArgumentConditions{{Argument: 1, Operation: seccomp.Equal, Value: unix.TIOCLINUX}}},
			}},
			// clone3 passes its flags in memory the filter cannot read:
			// ENOSYS makes libc and Go fall back to clone.
			{Action: seccomp.ActionErrno | seccomp.Action(unix.ENOSYS), Names: []string{"clone3"}},
		},
	}
	insns, err := policy.Assemble()
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	// Any other architecture's ABI is killed outright: the library's
	// program allows calls it does not recognise the arch of.
	guard := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // seccomp_data.arch
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(info.ID), SkipTrue: 1},
		bpf.RetConstant{Val: uint32(seccomp.ActionKillProcess)},
	}
	raw, err := bpf.Assemble(append(guard, insns...))
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	out := make([]byte, 0, 8*len(raw))
	for _, ins := range raw {
		out = binary.NativeEndian.AppendUint16(out, ins.Op)
		out = append(out, ins.Jt, ins.Jf)
		out = binary.NativeEndian.AppendUint32(out, ins.K)
	}
	return out, nil
}
