//go:build linux

// Package seccompfilter is the sandbox's seccomp policy and the code that
// turns it into the BPF program expand ships. The program is assembled by
// github.com/elastic/go-seccomp-bpf, but only at go generate time (and in
// tests): package expand embeds the result, one zseccomp_linux_GOARCH.go
// file per architecture, so that the quirk binary does not link the
// library. Its arch package builds syscall-name maps for every architecture
// in package init, which every quirk start paid, the core_pattern
// handler's included: 0.24 ms of "quirk version"'s 2.23 ms init sum
// (GODEBUG=inittrace=1, medians of 50 runs of bench/start.sh), about
// 0.37 ms of CPU under perf.
//
// After changing the policy, run
//
//	go generate ./expand
//
// expand's TestSeccompFilesUpToDate fails while the files are stale, and
// TestSeccompProgramMatchesLibrary while the running architecture's program
// differs from what go-seccomp-bpf assembles for it.
package seccompfilter

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"go/format"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"unsafe"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// The filter bubblewrap installs (--seccomp FD) just before it starts the
// engine. A deny list: shells and the Go worker need most of the kernel,
// but none of them needs to debug, mount, make namespaces, load programs or
// keys, or open a socket. Denied calls fail with EPERM, so a shell prints
// an error instead of dying; a call made under another architecture's ABI
// (32-bit int 0x80 on amd64, which would dodge the table) kills the
// process. go-seccomp-bpf has syscall tables generated from the kernel's
// and handles the x32 ABI bit, so no syscall number is typed by hand here.

// deniedSyscalls fail with EPERM inside the sandbox. Names unknown on an
// architecture are dropped for it (arm64 has no ioperm);
// TestEveryNameIsKnown catches a name no architecture knows (a typo).
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

// Arches are the GOARCH values a program is generated for: every Linux
// architecture go-seccomp-bpf has a syscall table for. quirk itself builds
// for amd64 and arm64 only; 386 and arm keep the filter expand had there
// before it was generated. On any other architecture expand runs without
// the seccomp layer and says so, as it did when the library refused it.
//
// All four are little-endian and agree on every constant the policy takes
// from the host's golang.org/x/sys/unix (the CLONE_* flags, AF_UNIX,
// TIOCSTI, TIOCLINUX, EPERM, ENOSYS; mips, ppc and sparc differ), which is
// why one of them may generate the others' programs; see forArch.
var Arches = []string{"386", "amd64", "arm", "arm64"}

// policy is the filter for a, before the guard.
func policy(a *arch.Info) seccomp.Policy {
	var names []string
	for _, n := range deniedSyscalls {
		if _, ok := a.SyscallNames[n]; ok {
			names = append(names, n)
		}
	}
	eperm := seccomp.ActionErrno | seccomp.Action(unix.EPERM)
	return seccomp.Policy{
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
}

// guard kills any other architecture's ABI outright: the library's
// program allows calls it does not recognise the arch of.
func guard(a *arch.Info) []bpf.Instruction {
	return []bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // seccomp_data.arch
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(a.ID), SkipTrue: 1},
		bpf.RetConstant{Val: uint32(seccomp.ActionKillProcess)},
	}
}

// link puts the guard before the policy's program and assembles both.
func link(a *arch.Info, insns []bpf.Instruction) ([]bpf.RawInstruction, error) {
	raw, err := bpf.Assemble(append(guard(a), insns...))
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	return raw, nil
}

// Native is the program for the running architecture, assembled the way
// expand did before the program was generated: go-seccomp-bpf picks the
// architecture itself (runtime.GOARCH). Tests compare it with the embedded
// program, independently of how forArch reaches other architectures.
func Native() ([]bpf.RawInstruction, error) {
	a, err := arch.GetInfo("")
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	p := policy(a)
	insns, err := p.Assemble()
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	return link(a, insns)
}

// For is the program for goarch, one of Arches, assembled on any of them.
func For(goarch string) ([]bpf.RawInstruction, error) {
	if !slices.Contains(Arches, goarch) {
		return nil, fmt.Errorf("seccomp: no program for linux/%s (generated for %s)", goarch, strings.Join(Arches, ", "))
	}
	if !slices.Contains(Arches, runtime.GOARCH) {
		// Another host's x/sys/unix constants and byte order may differ
		// from the targets'.
		return nil, fmt.Errorf("seccomp: the programs are assembled on linux/%s only, not linux/%s", strings.Join(Arches, ", "), runtime.GOARCH)
	}
	a, err := arch.GetInfo(goarch)
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	p := policy(a)
	if err := forArch(&p, a); err != nil {
		return nil, err
	}
	insns, err := p.Assemble()
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	return link(a, insns)
}

// forArch makes p assemble for a instead of runtime.GOARCH.
// go-seccomp-bpf (v1.6.0) exports no way to choose the architecture, but
// its Policy keeps it in an unexported field, arch *arch.Info, which
// Assemble fills from runtime.GOARCH only when it is nil; its own tests
// set it. Setting it here is the only way one machine can generate every
// architecture's program without an emulator. TestForMatchesNative checks
// that it gives, for the running architecture, exactly what the library
// does by itself, and TestProgramsAreForTheirArch that the library's part
// of each program checks its target's audit arch; if a release renames the
// field, this fails loudly.
func forArch(p *seccomp.Policy, a *arch.Info) error {
	f := reflect.ValueOf(p).Elem().FieldByName("arch")
	if !f.IsValid() || f.Type() != reflect.TypeOf(a) {
		return errors.New("seccomp: go-seccomp-bpf's Policy has no field arch *arch.Info any more: update forArch")
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(a))
	return nil
}

// Encode is the program as the kernel's struct sock_filter array in the
// running architecture's byte order, the format bubblewrap reads from its
// --seccomp descriptor; expand encodes its embedded program alike.
func Encode(raw []bpf.RawInstruction) []byte {
	out := make([]byte, 0, 8*len(raw))
	for _, ins := range raw {
		out = binary.NativeEndian.AppendUint16(out, ins.Op)
		out = append(out, ins.Jt, ins.Jf)
		out = binary.NativeEndian.AppendUint32(out, ins.K)
	}
	return out
}

// generator is the command that writes the files, as their headers name it.
const generator = "go run ./internal/seccompfilter/generate"

// fileName is expand's generated file for goarch.
func fileName(goarch string) string { return "zseccomp_linux_" + goarch + ".go" }

// otherFileName is expand's generated file for the Linux architectures
// with no program.
const otherFileName = "zseccomp_linux_other.go"

// Files returns every file the generator writes into expand's directory,
// by name, with its content.
func Files() (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, goarch := range Arches {
		raw, err := For(goarch)
		if err != nil {
			return nil, err
		}
		a, err := arch.GetInfo(goarch)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "// Code generated by %s; DO NOT EDIT.\n\n", generator)
		fmt.Fprintf(&b, "//go:build linux && %s\n\npackage expand\n\n", goarch)
		fmt.Fprintf(&b, "// seccompFilter is the sandbox's seccomp program for linux/%s (audit arch %s),\n", goarch, a.ID)
		fmt.Fprintf(&b, "// assembled by github.com/elastic/go-seccomp-bpf from the policy in\n")
		fmt.Fprintf(&b, "// internal/seccompfilter: %d instructions of struct sock_filter.\n", len(raw))
		fmt.Fprintf(&b, "var seccompFilter = []sockFilter{\n")
		notes := syscallNotes(a, raw)
		for i, ins := range raw {
			fmt.Fprintf(&b, "\t{0x%04x, %d, %d, 0x%08x}, // %d: %v%s\n", ins.Op, ins.Jt, ins.Jf, ins.K, i, ins.Disassemble(), notes[i])
		}
		fmt.Fprintf(&b, "}\n")
		if files[fileName(goarch)], err = format.Source(b.Bytes()); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by %s; DO NOT EDIT.\n\n", generator)
	fmt.Fprintf(&b, "//go:build linux")
	for _, goarch := range Arches {
		fmt.Fprintf(&b, " && !%s", goarch)
	}
	fmt.Fprintf(&b, "\n\npackage expand\n\n")
	fmt.Fprintf(&b, "// seccompFilter is empty: go-seccomp-bpf has no syscall table for this\n")
	fmt.Fprintf(&b, "// architecture, so no program was generated for it.\n")
	fmt.Fprintf(&b, "var seccompFilter []sockFilter\n")
	var err error
	if files[otherFileName], err = format.Source(b.Bytes()); err != nil {
		return nil, err
	}
	return files, nil
}

// syscallNotes names, for the comments of the generated file, the syscall
// each jeq or jneq compares seccomp_data.nr with, so that a diff of the
// file says which calls changed. A holds nr at an instruction when the last
// load on a path into it read offset 0; go-seccomp-bpf does not load nr
// again after a conditional call's argument checks fail, so on those paths
// the next comparisons see the argument instead (they can only deny that
// call, never allow another), which the note then says.
func syscallNotes(a *arch.Info, raw []bpf.RawInstruction) []string {
	const none = ^uint32(0)                      // nothing loaded yet
	loads := make([]map[uint32]bool, len(raw)+1) // offsets A may hold, over the paths in
	loads[0] = map[uint32]bool{none: true}
	notes := make([]string, len(raw))
	for i, r := range raw {
		in := loads[i]
		if in == nil {
			continue // unreachable
		}
		ins := r.Disassemble()
		out := in
		var next []int
		switch d := ins.(type) {
		case bpf.LoadAbsolute:
			out = map[uint32]bool{d.Off: true}
			next = []int{i + 1}
		case bpf.JumpIf:
			next = []int{i + 1 + int(d.SkipTrue), i + 1 + int(d.SkipFalse)}
			name, ok := a.SyscallNumbers[int(d.Val)]
			if ok && in[0] && (d.Cond == bpf.JumpEqual || d.Cond == bpf.JumpNotEqual) {
				notes[i] = " " + name
				if len(in) > 1 {
					notes[i] += " (or an argument, after a failed argument check)"
				}
			}
		case bpf.Jump:
			next = []int{i + 1 + int(d.Skip)}
		case bpf.RetConstant, bpf.RetA:
		default:
			next = []int{i + 1}
		}
		for _, n := range next {
			if n < len(loads) {
				if loads[n] == nil {
					loads[n] = map[uint32]bool{}
				}
				for off := range out {
					loads[n][off] = true
				}
			}
		}
	}
	return notes
}
