//go:build !linux

package expand

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
)

// Outside Linux the sandbox is the empty environment, the private PATH,
// the fresh directory and the ulimits; there is no namespace, seccomp,
// Landlock, cgroup or user drop, and every one of those layers is reported
// missing (so Options.RequireSandbox refuses to run).
const sandboxUID = -1

// Sandbox layers, as Result.Notes and ErrSandboxIncomplete name them.
const (
	LayerMountNS  = "bubblewrap"
	LayerSeccomp  = "seccomp"
	LayerLandlock = "landlock-scopes"
	LayerCgroup   = "cgroup"
	LayerUser     = "user-drop"
)

type layers struct {
	bwrap   string
	missing []string
	notes   []string
}

type cgroup struct{}

func (*cgroup) remove() {}

func probeLayers() layers {
	return layers{
		missing: []string{LayerMountNS, LayerSeccomp, LayerLandlock, LayerCgroup, LayerUser},
		notes:   []string{"no sandbox layers on " + runtime.GOOS + ": only environment, PATH, directory and ulimits isolate shells"},
	}
}

func (sb *sandbox) wrap(argv []string, firstFD int) ([]string, []*os.File, error) {
	return append([]string{sb.limiter, "-c", sb.limitScript(firstFD), "quirk-sandbox"}, argv...), nil, nil
}

func (sb *sandbox) sysProcAttr() *syscall.SysProcAttr { return nil }
func (sb *sandbox) openCgroup() error                 { return nil }
func (sb *sandbox) cgroupJoin() string                { return "" }

func handOver(string) error { return nil }

func (sb *sandbox) killTree(p *os.Process) {
	if p != nil {
		_ = p.Kill()
	}
}

func signalOf(*exec.ExitError) (int, bool) { return 0, false }

func (sb *sandbox) startConfined(cmd *exec.Cmd, _ []string) (bool, func(), error) {
	return false, func() {}, cmd.Start()
}

// memoryTempDir: outside Linux sandboxes stay in the usual temporary
// directory.
func memoryTempDir() (string, bool) { return "", false }
