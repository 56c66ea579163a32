package corehook

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Names of the kernel knobs corehook saves and restores, relative to
// <proc root>/sys.
const (
	KnobCorePattern   = "kernel/core_pattern"
	KnobCorePipeLimit = "kernel/core_pipe_limit"
	KnobSuidDumpable  = "fs/suid_dumpable"
	KnobCoreUsesPID   = "kernel/core_uses_pid"
	KnobOSRelease     = "kernel/osrelease"
	KnobBootID        = "kernel/random/boot_id"
)

// Sysctl reads and writes /proc/sys knobs below ProcRoot, so that tests can
// point it at an ordinary directory instead of the live kernel.
type Sysctl struct {
	ProcRoot string // "/proc" on a real system
}

func (s Sysctl) path(knob string) string {
	root := s.ProcRoot
	if root == "" {
		root = "/proc"
	}
	return filepath.Join(root, "sys", filepath.FromSlash(knob))
}

// Read returns the knob's bytes exactly as the kernel prints them, including
// the trailing newline. /proc files report a size of 0, so read to EOF with a cap.
func (s Sysctl) Read(knob string) ([]byte, error) {
	f, err := os.Open(s.path(knob))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 64<<10))
}

// ReadString returns the knob's value without its trailing newline.
func (s Sysctl) ReadString(knob string) (string, error) {
	b, err := s.Read(knob)
	return strings.TrimSuffix(string(b), "\n"), err
}

// ReadInt parses an integer knob.
func (s Sysctl) ReadInt(knob string) (int, error) {
	v, err := s.ReadString(knob)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", s.path(knob), err)
	}
	return n, nil
}

// Write sets a knob to value and reads it back. Kernels since 6.17 accept an
// invalid core_pattern on write and only fail at crash time, and a too long
// value is silently truncated, so the read-back is the only proof the write
// took effect.
func (s Sysctl) Write(knob, value string) error {
	if strings.ContainsAny(value, "\n\x00") {
		// The kernel stops at the first newline or NUL: the rest would be lost.
		return fmt.Errorf("%s: value %q contains a newline or NUL", knob, value)
	}
	return s.writeExpect(knob, value, []byte(value+"\n"))
}

// Restore writes back bytes saved by Read and checks that the knob now reads
// back as exactly those bytes.
func (s Sysctl) Restore(knob string, saved []byte) error {
	value := strings.TrimSuffix(string(saved), "\n")
	if strings.ContainsAny(value, "\n\x00") {
		return fmt.Errorf("%s: saved value %q cannot be written back", knob, saved)
	}
	return s.writeExpect(knob, value, saved)
}

func (s Sysctl) writeExpect(knob, value string, want []byte) error {
	p := s.path(knob)
	// O_TRUNC matters only for a fake proc root; procfs ignores it.
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, werr := f.Write([]byte(value + "\n"))
	cerr := f.Close()
	if werr != nil {
		return fmt.Errorf("writing %s: %w", p, werr)
	}
	if cerr != nil {
		return fmt.Errorf("writing %s: %w", p, cerr)
	}
	got, err := s.Read(knob)
	if err != nil {
		return fmt.Errorf("reading back %s: %w", p, err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s reads back %q after writing %q", p, got, value)
	}
	return nil
}

// KernelAtLeast reports whether the release in <proc>/sys/kernel/osrelease
// is at least major.minor. An unreadable release counts as old.
func (s Sysctl) KernelAtLeast(major, minor int) bool {
	rel, err := s.ReadString(KnobOSRelease)
	if err != nil {
		return false
	}
	return releaseAtLeast(rel, major, minor)
}

func releaseAtLeast(rel string, major, minor int) bool {
	parts := strings.SplitN(rel, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}
