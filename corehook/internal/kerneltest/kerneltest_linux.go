//go:build linux

// Package kerneltest holds what end-to-end tests that own the live
// core_pattern share: the machine-wide lock, the knob guard that always puts
// the admin's values back, and the root/CI requirement.
package kerneltest

import (
	"bytes"
	"errors"
	"github.com/quirkcheck/quirk/expand/testenv"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/quirkcheck/quirk/corehook"
)

// LockPath serialises every process that changes core_pattern.
const LockPath = "/run/quirk-corehook-e2e.lock"

// RequireRoot ends the test by testenv's policy (skip, or fail under
// CI=true or QUIRK_REQUIRE_ROOT=1 / QUIRK_REQUIRE_SHELLS=1) without root, a
// writable core_pattern or the tools.
func RequireRoot(t *testing.T, tools ...string) {
	t.Helper()
	miss := func(why string) {
		t.Helper()
		testenv.Unmet(t, testenv.Root, "%s", why)
	}
	if os.Getuid() != 0 {
		miss("the end-to-end test needs root")
	}
	f, err := os.OpenFile("/proc/sys/kernel/core_pattern", os.O_WRONLY, 0)
	if err != nil {
		miss("core_pattern is not writable: " + err.Error())
		return
	}
	f.Close()
	for _, tool := range tools {
		testenv.NeedTool(t, tool)
	}
}

// Lock takes the machine-wide lock for the rest of the test.
func Lock(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(LockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
}

// GuardKnobs saves core_pattern, core_pipe_limit, suid_dumpable and
// core_uses_pid and restores them at cleanup, on SIGINT/SIGTERM, and shortly
// before the test binary's -timeout would end the process without cleanups.
func GuardKnobs(t *testing.T) {
	t.Helper()
	sys := corehook.Sysctl{ProcRoot: "/proc"}
	knobs := []string{corehook.KnobCorePattern, corehook.KnobCorePipeLimit, corehook.KnobSuidDumpable, corehook.KnobCoreUsesPID}
	saved := map[string][]byte{}
	for _, k := range knobs {
		b, err := sys.Read(k)
		if err != nil {
			t.Fatal(err)
		}
		saved[k] = b
	}
	restore := func() error {
		var errs []error
		for _, k := range knobs {
			if cur, err := sys.Read(k); err == nil && bytes.Equal(cur, saved[k]) {
				continue
			}
			errs = append(errs, sys.Restore(k, saved[k]))
		}
		return errors.Join(errs...)
	}
	done := make(chan struct{})
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	var timer <-chan time.Time
	if dl, ok := t.Deadline(); ok {
		timer = time.After(time.Until(dl) - 15*time.Second)
	}
	go func() {
		select {
		case <-done:
		case <-sigs:
			restore()
			os.Exit(1)
		case <-timer:
			restore()
		}
	}()
	t.Cleanup(func() {
		signal.Stop(sigs)
		close(done)
		if err := restore(); err != nil {
			t.Errorf("restoring kernel values: %v", err)
		}
	})
}
