//go:build linux

package corehook

// The compat copy: the admin's previous core_pattern kept working after
// install (ABRT's MakeCompatCore). This is the one place where files are
// opened as the crasher (its fsuid, below its root or cwd), with the
// kernel's own rules for file patterns, or a previous pipe helper is run.

import (
	"errors"
	"fmt"
	"github.com/quirkcheck/quirk/corehook/fscred"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// previousTarget prepares the copy for the pattern that was live before
// install: a file written with the kernel's own rules, or the previous pipe
// helper fed the same stream.
//
// A previous pipe helper that stops reading would hold the crasher: its
// pipe gets the dump's deadline, after which its copy is abandoned.
func previousTarget(env HandleEnv, store Store, c Crash, pi *procInfo, sys Sysctl, deadline time.Time) ([]*teeTarget, func(*streamResult) string) {
	st, err := store.ReadState()
	if err != nil {
		return nil, func(*streamResult) string { return "no install state: " + err.Error() }
	}
	prev := st.PreviousPattern()
	switch Kind(prev) {
	case KindFile:
		usesPID, _ := sys.ReadInt(KnobCoreUsesPID)
		name, _ := Expand(prev, c, usesPID != 0)
		if c.CoreLimit < pageSize {
			// binfmt_elf's min_coredump: the kernel writes nothing.
			return nil, func(*streamResult) string { return "not written: RLIMIT_CORE below a page" }
		}
		f, err := openCompat(pi, c, name)
		if err != nil {
			return nil, func(*streamResult) string { return name + ": " + err.Error() }
		}
		sw := newSparseFile(f)
		t := &teeTarget{w: sw, limit: c.CoreLimit}
		return []*teeTarget{t}, func(res *streamResult) string {
			err := sw.Finish(int64(min(res.Size, c.CoreLimit)))
			err = errors.Join(t.err, err, f.Close())
			if err != nil {
				return name + ": " + err.Error()
			}
			return name
		}
	case KindSocket:
		return nil, func(*streamResult) string { return "not kept: socket patterns cannot be chained" }
	case KindPipe:
		if IsOurPattern(prev) {
			return nil, nil
		}
		cc := c
		cc.PidfdNumber = 3 // ExtraFiles[0] is fd 3 in the child
		_, argv := Expand(prev, cc, false)
		if len(argv) == 0 || !filepath.IsAbs(argv[0]) {
			return nil, func(*streamResult) string { return "previous pipe has no absolute helper" }
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = []string{}
		cmd.Dir = "/"
		if env.Pidfd != nil {
			cmd.ExtraFiles = []*os.File{env.Pidfd}
		}
		r, w, err := os.Pipe()
		if err != nil {
			return nil, func(*streamResult) string { return argv[0] + ": " + err.Error() }
		}
		cmd.Stdin = r
		err = cmd.Start()
		r.Close()
		if err != nil {
			w.Close()
			return nil, func(*streamResult) string { return argv[0] + ": " + err.Error() }
		}
		if !deadline.IsZero() {
			w.SetWriteDeadline(deadline)
		}
		t := &teeTarget{w: w, limit: ^uint64(0)}
		return []*teeTarget{t}, func(*streamResult) string {
			w.Close()
			err := errors.Join(t.err, cmd.Wait())
			if err != nil {
				return "piped to " + argv[0] + ": " + err.Error()
			}
			return "piped to " + argv[0]
		}
	}
	return nil, nil
}

// openCompat opens the file the kernel itself would have written for a file
// pattern, with its rules (fs/coredump.c): for dump mode 2 only an absolute
// path, as root, never replacing a file; otherwise as the crasher's fsuid,
// resolved in its root (absolute) or below its cwd (relative), unlinking an
// old file first. Both use O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, and then
// insist on a regular file with one link, owned by the writer, mode 0600.
func openCompat(pi *procInfo, c Crash, name string) (*os.File, error) {
	dir, base := filepath.Split(name)
	if base == "" {
		return nil, errors.New("pattern names a directory")
	}
	if c.DumpMode == 2 {
		if !filepath.IsAbs(name) {
			return nil, errors.New("refused: a suid dump needs an absolute pattern (kernel rule)")
		}
		return createCore(unix.AT_FDCWD, name, false, 0)
	}
	// Without a pidfd the cwd and root may be an impostor's; writing there
	// is still harmless when /proc names the crashing uid and gid alone,
	// because the file is then made as that user, in a place it chose.
	if pi.dir == nil || pi.Refuted || pi.FSUID < 0 || (!pi.Verified && !pi.sameIDs(c.UID, c.GID)) {
		return nil, errors.New("crasher not verified; its cwd and root cannot be trusted")
	}
	// fsuid is per thread: fscred switches it on a locked thread of its
	// own, which goes back to the scheduler only after a verified restore.
	var f *os.File
	err := fscred.Do(pi.FSUID, pi.FSGID, func() error {
		how := &unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_MAGICLINKS}
		anchor := "cwd"
		if filepath.IsAbs(name) {
			anchor = "root"
			how.Resolve |= unix.RESOLVE_IN_ROOT
		} else {
			how.Resolve |= unix.RESOLVE_BENEATH
		}
		afd, err := unix.Openat(int(pi.dir.Fd()), anchor, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open crasher %s: %w", anchor, err)
		}
		defer unix.Close(afd)
		if dir == "" {
			dir = "."
		}
		dfd, err := unix.Openat2(afd, strings.TrimPrefix(dir, "/"), how)
		if dir == "/" {
			dfd, err = unix.Dup(afd)
		}
		if err != nil {
			return fmt.Errorf("directory %s: %w", dir, err)
		}
		defer unix.Close(dfd)
		f, err = createCore(dfd, base, true, pi.FSUID)
		return err
	})
	if errors.Is(err, fscred.ErrNotSwitched) {
		return nil, errors.New("could not switch fsuid")
	}
	return f, err
}

func createCore(dirfd int, name string, unlinkFirst bool, owner int) (*os.File, error) {
	if unlinkFirst {
		unix.Unlinkat(dirfd, name, 0)
	}
	fd, err := unix.Openat(dirfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_LARGEFILE, 0o600)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), name)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Nlink != 1 || int(st.Uid) != owner || st.Mode&0o677 != 0o600 {
		f.Close()
		return nil, fmt.Errorf("refused: not a fresh regular 0600 file owned by uid %d", owner)
	}
	return f, nil
}
