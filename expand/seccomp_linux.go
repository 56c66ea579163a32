//go:build linux

package expand

import (
	"encoding/binary"
	"fmt"
	"runtime"
)

// The seccomp filter bubblewrap installs (--seccomp FD) just before it
// starts the engine: a deny list (debugging, mounts, namespaces, kernel
// programs and keys, sockets, the machine's controls) whose calls fail with
// EPERM, and a guard that kills a call made under another architecture's
// ABI. The policy, and why each call is in it, is in
// internal/seccompfilter.
//
// The program is assembled by github.com/elastic/go-seccomp-bpf at go
// generate time, not here: zseccomp_linux_GOARCH.go holds it, and the quirk
// binary does not link the library, whose package init (syscall-name maps
// for every architecture, 0.24 ms of a 2.23 ms init sum) every quirk start
// paid, the core_pattern handler's included. The tests re-assemble the
// program with the library (TestSeccompProgramMatchesLibrary,
// TestSeccompFilesUpToDate) and keep the library out of the binary
// (cmd/quirk's TestNotLinked).
//
//go:generate go run ./internal/seccompfilter/generate

// sockFilter is one instruction, as the kernel's struct sock_filter.
type sockFilter struct {
	code   uint16
	jt, jf uint8
	k      uint32
}

// seccompProgram is the filter as the kernel's struct sock_filter array,
// the format bubblewrap reads from its --seccomp descriptor. It fails on an
// architecture go-seccomp-bpf has no syscall table for: the sandbox then
// lacks its seccomp layer, which Result.Notes says and
// Options.RequireSandbox refuses, as before the program was generated.
func seccompProgram() ([]byte, error) {
	if len(seccompFilter) == 0 {
		return nil, fmt.Errorf("seccomp: no filter for linux/%s: go-seccomp-bpf, which assembles it at go generate time, has no syscall table for this architecture", runtime.GOARCH)
	}
	out := make([]byte, 0, 8*len(seccompFilter))
	for _, ins := range seccompFilter {
		out = binary.NativeEndian.AppendUint16(out, ins.code)
		out = append(out, ins.jt, ins.jf)
		out = binary.NativeEndian.AppendUint32(out, ins.k)
	}
	return out, nil
}
