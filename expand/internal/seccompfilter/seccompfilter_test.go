//go:build linux

package seccompfilter

import (
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
)

// TestForMatchesNative: choosing the architecture through the library's
// unexported field (forArch) gives, for the running one, exactly the
// program the library assembles when it chooses by itself, so the other
// architectures' programs are made the same way theirs would be.
func TestForMatchesNative(t *testing.T) {
	if !slices.Contains(Arches, runtime.GOARCH) {
		t.Skipf("no program for linux/%s", runtime.GOARCH)
	}
	native, err := Native()
	if err != nil {
		t.Fatal(err)
	}
	forced, err := For(runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(native, forced) {
		t.Errorf("For(%q) is not the library's own program:\n%v\nwant\n%v", runtime.GOARCH, forced, native)
	}
}

// TestEveryNameIsKnown: policy drops a denied name an architecture does
// not have, so a misspelt one would deny nothing anywhere without this.
func TestEveryNameIsKnown(t *testing.T) {
	for _, name := range deniedSyscalls {
		known := false
		for _, goarch := range Arches {
			a, err := arch.GetInfo(goarch)
			if err != nil {
				t.Fatal(err)
			}
			_, ok := a.SyscallNames[name]
			known = known || ok
		}
		if !known {
			t.Errorf("%s is a syscall on none of %v", name, Arches)
		}
	}
}

// TestProgramsAreForTheirArch: each program starts with the guard, and
// the library's part checks the target's audit arch, not the host's: a
// forArch the library ignored would give every target the host's program.
func TestProgramsAreForTheirArch(t *testing.T) {
	if !slices.Contains(Arches, runtime.GOARCH) {
		t.Skipf("the programs are generated on linux/%s only", strings.Join(Arches, ", "))
	}
	for _, goarch := range Arches {
		raw, err := For(goarch)
		if err != nil {
			t.Fatal(err)
		}
		a, err := arch.GetInfo(goarch)
		if err != nil {
			t.Fatal(err)
		}
		g := guard(a)
		for i, ins := range g {
			if want, _ := ins.Assemble(); raw[i] != want {
				t.Errorf("%s: instruction %d is %v, want the guard's %v", goarch, i, raw[i].Disassemble(), ins)
			}
		}
		// The library's program: load seccomp_data.arch, compare.
		check, ok := raw[len(g)+1].Disassemble().(bpf.JumpIf)
		if !ok || check.Val != uint32(a.ID) {
			t.Errorf("%s: the library's arch check is %v, want one against %v (%#x)", goarch, raw[len(g)+1].Disassemble(), a.ID, uint32(a.ID))
		}
	}
}
