package main

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/expand/testenv"
)

// notLinked are packages quirk must not link: go-seccomp-bpf's package init
// builds syscall-name maps for every architecture, which every quirk start
// paid; expand embeds the program it assembles at go generate time
// instead (expand/internal/seccompfilter), and x/net/bpf came only with it.
var notLinked = []string{"github.com/elastic/go-seccomp-bpf", "golang.org/x/net/bpf"}

// TestNotLinked: the binary's packages, for each architecture quirk is
// built for, include none of notLinked (nor their subpackages).
func TestNotLinked(t *testing.T) {
	gobin := testenv.NeedTool(t, "go")
	for _, goarch := range []string{"amd64", "arm64"} {
		cmd := exec.Command(gobin, "list", "-deps", ".")
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("linux/%s: go list -deps: %v", goarch, err)
		}
		pkgs := strings.Fields(string(out))
		// The list must be quirk's, with the sandbox in it, for its
		// absences to mean anything.
		if !slices.Contains(pkgs, "github.com/quirkcheck/quirk/expand") {
			t.Fatalf("linux/%s: go list -deps does not list expand:\n%s", goarch, out)
		}
		for _, p := range pkgs {
			for _, bad := range notLinked {
				if p == bad || strings.HasPrefix(p, bad+"/") {
					t.Errorf("linux/%s: quirk links %s", goarch, p)
				}
			}
		}
	}
}
