//go:build linux

package expand

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/expand/internal/seccompfilter"
)

// TestSeccompProgramMatchesLibrary: the program this build embeds is, byte
// for byte, what go-seccomp-bpf assembles from the policy on the running
// architecture by itself, as expand did at run time before the program was
// generated. A policy or library change without go generate fails here.
func TestSeccompProgramMatchesLibrary(t *testing.T) {
	got, gotErr := seccompProgram()
	raw, libErr := seccompfilter.Native()
	if !slices.Contains(seccompfilter.Arches, runtime.GOARCH) {
		if gotErr == nil {
			t.Errorf("linux/%s has a seccomp program but is not in seccompfilter.Arches", runtime.GOARCH)
		}
		if libErr == nil {
			t.Errorf("go-seccomp-bpf now assembles the filter for linux/%s: add it to seccompfilter.Arches and run go generate ./expand", runtime.GOARCH)
		}
		return
	}
	if gotErr != nil || libErr != nil {
		t.Fatalf("embedded program: %v; library's: %v", gotErr, libErr)
	}
	want := seccompfilter.Encode(raw)
	if bytes.Equal(got, want) {
		return
	}
	t.Errorf("the embedded seccomp program (%d instructions) is not go-seccomp-bpf's (%d); run go generate ./expand", len(got)/8, len(want)/8)
	for i := 0; i+8 <= len(got) && i+8 <= len(want); i += 8 {
		if !bytes.Equal(got[i:i+8], want[i:i+8]) {
			t.Errorf("first difference at instruction %d: % x, want % x (%v)", i/8, got[i:i+8], want[i:i+8], raw[i/8].Disassemble())
			break
		}
	}
}

// TestSeccompFilesUpToDate: every zseccomp_linux_*.go is what the generator
// writes now, the other architectures' too (their programs are assembled
// here for them), and no file is left of an architecture no longer
// generated.
func TestSeccompFilesUpToDate(t *testing.T) {
	if !slices.Contains(seccompfilter.Arches, runtime.GOARCH) {
		t.Skipf("the programs are generated on linux/%s only", strings.Join(seccompfilter.Arches, ", "))
	}
	want, err := seccompfilter.Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range want {
		got, err := os.ReadFile(name)
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("%s is out of date with internal/seccompfilter (%v); run go generate ./expand", name, err)
		}
	}
	files, _ := filepath.Glob("zseccomp_linux_*.go")
	for _, name := range files {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is not generated any more; run go generate ./expand", name)
		}
	}
}
