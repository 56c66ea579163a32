package main

import (
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/expand/testenv"
)

// TestStaticBuild: the install line the README gives (CGO_ENABLED=0)
// must keep working and give a binary that needs no dynamic loader or
// shared library (a core_pattern handler started by the kernel for every
// crash, on a system whose libc may be what crashed, and which starts
// faster). A package that needs cgo would fail the build here.
func TestStaticBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds quirk")
	}
	gobin := testenv.NeedTool(t, "go")
	out := filepath.Join(t.TempDir(), "quirk")
	cmd := exec.Command(gobin, "build", "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("the binary asks for a dynamic loader")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries: %v", libs)
	}
	// The built binary's own module list, besides TestNotLinked's go list.
	info, err := buildinfo.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range info.Deps {
		if m.Path == "github.com/elastic/go-seccomp-bpf" {
			t.Errorf("the binary links %s %s", m.Path, m.Version)
		}
	}
	v, err := exec.Command(out, "version").Output()
	if err != nil || !strings.Contains(string(v), "quirk") {
		t.Errorf("quirk version: %v %q", err, v)
	}
}
