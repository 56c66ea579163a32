package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quirkcheck/quirk/expand/testenv"
)

// quirkChild starts this test binary as a real quirk process (see
// TestMain) with TMPDIR set to tmp.
func quirkChild(t *testing.T, tmp string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "QUIRK_TEST_RUN_MAIN=1", "TMPDIR="+tmp)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, &stderr
}

// waitGlob waits until pattern matches something, or fails the test.
func waitGlob(t *testing.T, pattern string) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing matched %s in 30s", pattern)
	return nil
}

// cgroupsOf lists the sandbox cgroups named for pid below this process's
// own cgroup (v2) or its memory and pids cgroups (v1); the child inherits
// them.
func cgroupsOf(t *testing.T, pid int) []string {
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, line := range strings.Split(strings.TrimSpace(string(self)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var roots []string
		switch {
		case parts[0] == "0" && parts[1] == "":
			roots = []string{"/sys/fs/cgroup"}
		case strings.Contains(parts[1], "memory"):
			roots = []string{"/sys/fs/cgroup/memory"}
		case strings.Contains(parts[1], "pids"):
			roots = []string{"/sys/fs/cgroup/pids"}
		}
		for _, r := range roots {
			m, _ := filepath.Glob(filepath.Join(r, parts[2], "quirk-expand-"+strconv.Itoa(pid)+"-*"))
			found = append(found, m...)
		}
	}
	return found
}

// SIGTERM during "quirk expand --script" must kill the shell, remove the
// sandbox directory (and cgroup) and then end quirk by that same signal.
// Before quirk had a root context the default action killed it on the spot
// and the directory stayed behind.
func TestSIGTERMRemovesExpandSandbox(t *testing.T) {
	testenv.NeedTool(t, "bash")
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			// A world-traversable TMPDIR of our own: the sandbox is made
			// there, so no other process's sandbox can be mistaken for it.
			tmp, err := os.MkdirTemp("/tmp", "qsig")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(tmp)
			if err := os.Chmod(tmp, 0o755); err != nil {
				t.Fatal(err)
			}
			script := filepath.Join(tmp, "spin.sh")
			// No command to wait on in the sandbox's PATH: the script spins
			// until the signal, far inside its 60s budget.
			if err := os.WriteFile(script, []byte("echo started\nwhile :; do :; done\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd, stderr := quirkChild(t, tmp, "expand", "--shells", "bash", "--timeout", "60s", "--script", script)
			sandbox := waitGlob(t, filepath.Join(tmp, "quirk-expand-*"))
			// Let the shell start inside it.
			time.Sleep(300 * time.Millisecond)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var werr error
			select {
			case werr = <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("quirk expand still running 30s after %v; stderr:\n%s", sig, stderr)
			}
			var ee *exec.ExitError
			if !errors.As(werr, &ee) {
				t.Fatalf("quirk expand ended with %v after %v, want death by the signal; stderr:\n%s", werr, sig, stderr)
			}
			if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != sig {
				t.Errorf("quirk expand ended with %v, want killed by %v (passed on after cleanup); stderr:\n%s", ws, sig, stderr)
			}
			if !strings.Contains(stderr.String(), "quirk expand: interrupted") {
				t.Errorf("stderr does not say it was interrupted:\n%s", stderr)
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, "quirk-expand-*")); len(left) > 0 {
				t.Errorf("sandbox %v left behind (was %v)", left, sandbox)
			}
			if left := cgroupsOf(t, cmd.Process.Pid); len(left) > 0 {
				t.Errorf("sandbox cgroups left behind: %v", left)
			}
		})
	}
}

// SIGINT while "quirk check -" waits on a pipe that never closes: quirk
// stops, says so, and dies of SIGINT, as a shell loop around it expects.
func TestSIGINTStopsCheckOnOpenStdin(t *testing.T) {
	cmd := exec.Command(os.Args[0], "check", "-")
	cmd.Env = append(os.Environ(), "QUIRK_TEST_RUN_MAIN=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if _, err := stdin.Write([]byte("#!/bin/sh\necho \"$@\"\n")); err != nil {
		t.Fatal(err)
	}
	// The write reached quirk once it is blocked reading for more; give
	// it a moment to get there (the assertion does not depend on it).
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("quirk check still reading stdin 30s after SIGINT; stderr:\n%s", &stderr)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("quirk check ended with %v, want death by SIGINT", err)
	}
	if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("quirk check ended with %v, want killed by SIGINT; stderr:\n%s", ws, &stderr)
	}
	if !strings.Contains(stderr.String(), "quirk check: interrupted") {
		t.Errorf("stderr does not say it was interrupted:\n%s", &stderr)
	}
}
