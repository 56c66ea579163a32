//go:build linux && (amd64 || arm64)

package plock

import (
	"bufio"
	"context"
	"fmt"
	"github.com/quirkcheck/quirk/expand/testenv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The peers are real programs: cpeer (C, glibc's pthread_mutex_*), worker (Go, pure) and
// cgoworker (Go built with cgo, so its threads carry glibc's robust list heads). They are built
// once per test binary into a temporary directory.
var (
	helperDir  string
	helperOnce = map[string]*sync.Once{"cpeer": {}, "worker": {}, "cgoworker": {}}
	helperPath = map[string]string{}
	helperErr  = map[string]error{}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "plock-test-")
	if err != nil {
		panic(err)
	}
	helperDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// skipOrFail ends the test for a missing compiler or peer by testenv's
// policy: a failure in CI (CI=true) or with QUIRK_REQUIRE_SHELLS=1.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	testenv.Unmet(t, testenv.Shells, format, args...)
}

// helper returns the path of a built peer.
func helper(t testing.TB, name string) string {
	t.Helper()
	helperOnce[name].Do(func() {
		out := filepath.Join(helperDir, name)
		var cmd *exec.Cmd
		switch name {
		case "cpeer":
			if _, err := exec.LookPath("gcc"); err != nil {
				helperErr[name] = fmt.Errorf("gcc not found: %w", err)
				return
			}
			cmd = exec.Command("gcc", "-O2", "-Wall", "-pthread", "-o", out, "testdata/cpeer.c")
		case "worker":
			cmd = exec.Command("go", "build", "-o", out, "./testdata/worker")
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		case "cgoworker":
			if _, err := exec.LookPath("gcc"); err != nil {
				helperErr[name] = fmt.Errorf("gcc not found: %w", err)
				return
			}
			cmd = exec.Command("go", "build", "-o", out, "./testdata/worker")
			cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		}
		if b, err := cmd.CombinedOutput(); err != nil {
			helperErr[name] = fmt.Errorf("build %s: %v\n%s", name, err, b)
			return
		}
		helperPath[name] = out
	})
	if err := helperErr[name]; err != nil {
		if strings.Contains(err.Error(), "not found") {
			skipOrFail(t, "%v", err)
		}
		t.Fatal(err)
	}
	return helperPath[name]
}

// shared maps a fresh zero-filled file of size bytes MAP_SHARED, as every peer will.
func shared(t testing.TB, size int) (path string, mem []byte) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "shared")
	if err := os.WriteFile(path, make([]byte, size), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mem, err = unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	return path, mem
}

// peer is a running helper process whose stdout is read line by line.
type peer struct {
	t     testing.TB
	cmd   *exec.Cmd
	lines chan string
	done  chan struct{}
}

func startPeer(t testing.TB, name, file string, off int, cmds ...string) *peer {
	t.Helper()
	cmd := exec.Command(helper(t, name), append([]string{file, fmt.Sprint(off)}, cmds...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &peer{t: t, cmd: cmd, lines: make(chan string, 64), done: make(chan struct{})}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		io.Copy(io.Discard, out)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		p.wait()
	})
	return p
}

// expect reads the peer's next line and fails unless it starts with want.
func (p *peer) expect(want string) string {
	p.t.Helper()
	select {
	case line, ok := <-p.lines:
		if !ok {
			p.t.Fatalf("%s exited before printing %q", p.cmd.Path, want)
		}
		if !strings.HasPrefix(line, want) {
			p.t.Fatalf("%s printed %q, want %q", filepath.Base(p.cmd.Path), line, want)
		}
		return line
	case <-time.After(30 * time.Second):
		p.t.Fatalf("%s: no %q within 30s", p.cmd.Path, want)
	}
	return ""
}

func (p *peer) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		p.t.Fatal(err)
	}
}

// wait reaps the peer (once) and returns its exit error.
func (p *peer) wait() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	for range p.lines {
	}
	err := p.cmd.Wait()
	close(p.done)
	return err
}

// runPeer runs a helper to completion and returns its output lines.
func runPeer(t testing.TB, name, file string, off int, cmds ...string) []string {
	t.Helper()
	cmd := exec.Command(helper(t, name), append([]string{file, fmt.Sprint(off)}, cmds...)...)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, cmds, err, b)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// locker returns a Locker pinned to the test goroutine, closed at cleanup.
func locker(t testing.TB) *Locker {
	t.Helper()
	l, err := NewLocker()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil && err != errClosed {
			t.Errorf("Close: %v", err)
		}
	})
	return l
}

// procState returns the state letter of /proc/pid/stat ('R', 'S', 'Z', ...).
func procState(pid int) byte {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+2 >= len(b) {
		return 0
	}
	return b[i+2]
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, t testing.TB, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(time.Millisecond):
		}
	}
}
