//go:build linux

package corehook

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/syslog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// numSpecs is len(handlerSpecs): the kernel always passes that many
// positional arguments after our own options.
var numSpecs = len(handlerSpecs)

// HandleEnv is what the handler takes from its surroundings; tests point
// ProcRoot at a fake tree.
type HandleEnv struct {
	ProcRoot string
	// Release is called once the core was read to its end or abandoned:
	// the real handler closes fd 0 there so the crasher can finish.
	Release func()
	// Pidfd is the pidfd the kernel installed (fd 3 with %F), or nil.
	Pidfd *os.File
	Now   func() time.Time
}

// HandleArgs are the parsed handler arguments.
type HandleArgs struct {
	Config, Store string
	Crash         Crash
	HavePidfd     bool
	RawLimit      string // %c as given
}

// ParseHandleArgs parses "[-c FILE] [-s DIR] %P %p %i %I %u %g %s %t %c %d %C %F %h %e".
// The specifiers are taken from the end, so our own options can never be
// confused with crasher-chosen strings.
func ParseHandleArgs(args []string) (HandleArgs, error) {
	var h HandleArgs
	if len(args) < numSpecs {
		return h, fmt.Errorf("want %d positional arguments, got %d", numSpecs, len(args))
	}
	opts, pos := args[:len(args)-numSpecs], args[len(args)-numSpecs:]
	for len(opts) > 0 {
		if len(opts) < 2 {
			return h, fmt.Errorf("option %q without a value", opts[0])
		}
		switch opts[0] {
		case "-c":
			h.Config = opts[1]
		case "-s":
			h.Store = opts[1]
		default:
			return h, fmt.Errorf("unknown option %q", opts[0])
		}
		opts = opts[2:]
	}
	num := func(s string) int {
		n, _ := strconv.Atoi(s)
		return n
	}
	c := &h.Crash
	c.GlobalPID, c.PID, c.TID, c.GlobalTID = num(pos[0]), num(pos[1]), num(pos[2]), num(pos[3])
	uid, _ := strconv.ParseUint(pos[4], 10, 32)
	gid, _ := strconv.ParseUint(pos[5], 10, 32)
	c.UID, c.GID = uint32(uid), uint32(gid)
	c.Signal = num(pos[6])
	c.Time, _ = strconv.ParseInt(pos[7], 10, 64)
	h.RawLimit = pos[8]
	c.CoreLimit, _ = strconv.ParseUint(pos[8], 10, 64)
	c.DumpMode = num(pos[9])
	c.CPU = num(pos[10])
	if fd, err := strconv.Atoi(pos[11]); err == nil && fd >= 0 {
		c.PidfdNumber, h.HavePidfd = fd, true
	}
	c.Hostname, c.Comm = pos[12], pos[13]
	if c.GlobalPID <= 0 {
		return h, fmt.Errorf("bad %%P %q", pos[0])
	}
	return h, nil
}

// bindStdFds points closed fds 0-2 at /dev/null: the kernel starts the
// helper without stdout and stderr, and the first file opened would
// otherwise become fd 1 and receive stray writes.
func bindStdFds() {
	for fd := 0; fd <= 2; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
			continue
		}
		null, err := unix.Open("/dev/null", unix.O_RDWR, 0)
		if err != nil {
			return
		}
		if null != fd {
			unix.Dup3(null, fd, 0)
			unix.Close(null)
		}
	}
}

func runHandle(args []string, stderr io.Writer) int {
	bindStdFds()
	stdin := os.NewFile(0, "core")
	released := false
	release := func() {
		if !released {
			released = true
			stdin.Close()
		}
	}
	// Whatever happens, the crasher must not wait on us.
	defer release()
	ha, err := ParseHandleArgs(args)
	if err != nil {
		logLine("", fmt.Sprintf("quirk corehook: bad handler arguments %q: %v", args, err))
		fmt.Fprintf(stderr, "quirk corehook handle: %v\n", err)
		return exitBadSyntax
	}
	// A bigger pipe buffer lets the kernel run ahead of us (1 MiB is the
	// unprivileged maximum; we are root but do not need more).
	unix.FcntlInt(0, unix.F_SETPIPE_SZ, 1<<20)
	env := HandleEnv{ProcRoot: "/proc", Release: release}
	if ha.HavePidfd {
		env.Pidfd = os.NewFile(uintptr(ha.Crash.PidfdNumber), "pidfd")
	}
	meta, cfg, err := Handle(env, ha, stdin)
	line := "quirk corehook: "
	if meta != nil {
		line += fmt.Sprintf("pid %d (%s) uid %d %s: ", meta.PID, meta.Comm, meta.UID, meta.SignalName)
		switch {
		case meta.CorePath != "":
			line += fmt.Sprintf("core %s, %d bytes", meta.CorePath, meta.Size)
		case meta.Dropped != "":
			line += "core not stored (" + meta.Dropped + ")"
		}
		if meta.Truncated {
			line += ", truncated (" + meta.TruncatedWhy + ")"
		}
	}
	if err != nil {
		line += " error: " + err.Error()
	}
	logLine(cfg.Log, line)
	if err != nil {
		return exitFailure
	}
	return exitOK
}

// logLine writes one line to the log file, else to syslog.
func logLine(path, line string) {
	line = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, line)
	if path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
		if err == nil {
			fmt.Fprintf(f, "%s %s\n", time.Now().UTC().Format(time.RFC3339), line)
			f.Close()
			return
		}
	}
	if w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_NOTICE, "quirk-corehook"); err == nil {
		w.Notice(line)
		w.Close()
	}
}

// procInfo is what /proc/<pid> says about the crasher.
type procInfo struct {
	Verified     bool
	Why          string // why not verified
	dir          *os.File
	Exe, Cwd     string
	Cmdline      []string
	Comm         string
	Cgroup       string
	CredsChanged bool
	FSUID, FSGID int
}

// pidfdPid reads "Pid:" from the pidfd's fdinfo: -1 once the task was reaped.
func pidfdPid(procRoot string, pidfd *os.File) (int, error) {
	b, err := readSmall(filepath.Join(procRoot, "self", "fdinfo", strconv.Itoa(int(pidfd.Fd()))))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Pid:"); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, errors.New("no Pid: line in pidfd fdinfo")
}

// readProc opens /proc/<pid> as a directory fd and proves it belongs to the
// crasher before trusting anything read through it: with a pidfd, its Pid
// must equal %P before and after the open; without one, a core_pipe_limit
// above 0 makes the kernel keep the crasher (and its PID) until we close
// stdin, so the PID cannot have been reused.
func readProc(env HandleEnv, pid int) *procInfo {
	pi := &procInfo{FSUID: -1, FSGID: -1}
	dirPath := filepath.Join(env.ProcRoot, strconv.Itoa(pid))
	dir, err := os.OpenFile(dirPath, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		pi.Why = "open /proc/<pid>: " + err.Error()
		return pi
	}
	pi.dir = dir
	if env.Pidfd != nil {
		p, err := pidfdPid(env.ProcRoot, env.Pidfd)
		if err != nil || p != pid {
			pi.Why = fmt.Sprintf("pidfd names pid %d (%v), not %d", p, err, pid)
			return pi
		}
		pi.Verified = true
	} else if n, err := (Sysctl{ProcRoot: env.ProcRoot}).ReadInt(KnobCorePipeLimit); err == nil && n > 0 {
		pi.Verified = true
	} else {
		pi.Why = "no pidfd and core_pipe_limit is 0: the PID may have been reused"
		return pi
	}
	at := func(name string) []byte {
		fd, err := unix.Openat(int(dir.Fd()), name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		if err != nil {
			return nil
		}
		f := os.NewFile(uintptr(fd), name)
		defer f.Close()
		b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
		return b
	}
	link := func(name string) string {
		buf := make([]byte, 4096)
		n, err := unix.Readlinkat(int(dir.Fd()), name, buf)
		if err != nil {
			return ""
		}
		return string(buf[:n])
	}
	pi.Exe = link("exe")
	pi.Cwd = link("cwd")
	pi.Comm = strings.TrimSuffix(string(at("comm")), "\n")
	pi.Cgroup = strings.TrimSpace(string(at("cgroup")))
	if cl := strings.TrimSuffix(string(at("cmdline")), "\x00"); cl != "" {
		pi.Cmdline = strings.Split(cl, "\x00")
	}
	sc := bufio.NewScanner(bytes.NewReader(at("status")))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		f := strings.Fields(v)
		if (k == "Uid" || k == "Gid") && len(f) == 4 {
			if f[0] != f[1] || f[0] != f[2] || f[0] != f[3] {
				pi.CredsChanged = true
			}
			n, _ := strconv.Atoi(f[3])
			if k == "Uid" {
				pi.FSUID = n
			} else {
				pi.FSGID = n
			}
		}
	}
	// Re-check: if the crasher was reaped (and its PID reused) while we
	// opened the directory, the pidfd now says -1.
	if env.Pidfd != nil {
		if p, err := pidfdPid(env.ProcRoot, env.Pidfd); err != nil || p != pid {
			*pi = procInfo{Why: "the crasher went away while /proc was read", FSUID: -1, FSGID: -1}
		}
	}
	return pi
}

func shortID(bootID string, c Crash) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s/%d/%d/%d", bootID, c.GlobalPID, c.GlobalTID, c.Time)))
	return hex.EncodeToString(h[:6])
}

// Handle stores one core read from core. It always calls env.Release.
// It returns the sidecar it wrote (nil when nothing could be stored) and the
// configuration it used (for logging).
func Handle(env HandleEnv, ha HandleArgs, core io.Reader) (*Meta, Config, error) {
	start := time.Now()
	if env.Now != nil {
		start = env.Now()
	}
	if env.ProcRoot == "" {
		env.ProcRoot = "/proc"
	}
	release := env.Release
	if release == nil {
		release = func() {}
	}
	// A broken config must not lose the core: store it with the defaults
	// and say why in the sidecar and the log.
	cfg, cfgErr := LoadConfig(ha.Config)
	if cfgErr != nil {
		cfg = DefaultConfigValues()
	}
	if ha.Store != "" {
		cfg.Store = ha.Store
	}
	sys := Sysctl{ProcRoot: env.ProcRoot}
	c := ha.Crash

	// Metadata first: once the stream is drained and stdin closed, the
	// crasher may be reaped.
	pi := readProc(env, c.GlobalPID)
	if pi.dir != nil {
		defer pi.dir.Close()
	}
	if pi.Verified {
		c.Exe = pi.Exe
	}
	bootID, _ := sys.ReadString(KnobBootID)
	m := &Meta{
		ID: shortID(bootID, c), Time: time.Unix(c.Time, 0).UTC(),
		PID: c.GlobalPID, NSPID: c.PID, TID: c.GlobalTID, UID: c.UID, GID: c.GID,
		Signal: c.Signal, SignalName: SignalName(c.Signal), Comm: c.Comm, Exe: c.Exe,
		Hostname: c.Hostname, BootID: bootID, DumpMode: c.DumpMode, CoreLimit: ha.RawLimit,
		ProcVerified: pi.Verified, Pidfd: env.Pidfd != nil, BuildIDs: []BuildID{},
	}
	if cfgErr != nil {
		m.ConfigError = cfgErr.Error()
	}
	if pi.Verified {
		m.Cmdline, m.Cwd, m.Cgroup = pi.Cmdline, pi.Cwd, pi.Cgroup
		if pi.Comm != "" {
			// %e has '/' replaced by '!'; the verified /proc copy is exact.
			m.Comm = pi.Comm
		}
	}
	if err := ensureStore(cfg.Store); err != nil {
		release()
		return nil, cfg, fmt.Errorf("store: %w", err)
	}

	// The main output: a temporary file renamed only when complete.
	var dst sink
	var tmp *os.File
	lim := streamLimits{DropAbove: cfg.ProcessSizeMax.Of(0), DiskAbove: cfg.ExternalSizeMax.Of(0)}
	if cfg.HonorCoreLimit && c.CoreLimit < pageSize {
		m.Dropped = "RLIMIT_CORE"
	} else {
		if cfg.HonorCoreLimit {
			lim.TruncateAt, lim.TruncateWhy = c.CoreLimit, "RLIMIT_CORE"
		}
		var err error
		tmp, err = os.OpenFile(filepath.Join(cfg.Store, ".tmp-"+m.ID), os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
		if err != nil {
			release()
			return m, cfg, err
		}
		defer func() {
			if tmp != nil {
				tmp.Close()
				os.Remove(tmp.Name())
			}
		}()
		if cfg.Compress {
			z, err := newZstdFile(tmp)
			if err != nil {
				release()
				return m, cfg, err
			}
			dst, m.Compression = z, "zstd"
		} else {
			dst, m.Compression = newSparseFile(tmp), "none"
		}
	}

	// The admin's previous pattern, kept working if the config asks.
	var tees []*teeTarget
	var finishPrev func(*streamResult) string
	if cfg.KeepPrevious {
		tees, finishPrev = previousTarget(env, cfg, c, pi, sys)
	}

	res := streamCore(core, dst, tees, lim, release)
	if finishPrev != nil {
		m.Previous = finishPrev(res)
	}
	m.Size = int64(res.Size)
	if !res.LastByte.IsZero() && !res.Released.IsZero() {
		m.ReleaseMs = res.Released.Sub(res.LastByte).Milliseconds()
	}
	if res.Dropped != "" {
		m.Dropped = res.Dropped
	}
	m.BuildIDs = append(m.BuildIDs, res.BuildIDs...)
	if res.ParseErr != nil {
		m.NoteError = res.ParseErr.Error()
	}
	if cc := res.Core; cc != nil {
		m.Threads = cc.Threads
		// si_addr is a fault address only for kernel-sent signals
		// (si_code > 0); for kill/raise the union holds the sender's pid.
		if cc.HaveSig && cc.SigCode > 0 && cc.SigAddr != 0 {
			m.FaultAddr = fmt.Sprintf("%#x", cc.SigAddr)
		}
		if m.Exe == "" && len(cc.Files) > 0 {
			m.Exe = cc.Files[0].Path // advisory: written by the crasher's mappings
		}
		seen := map[string]bool{}
		for _, f := range cc.Files {
			if !seen[f.Path] && len(m.Mapped) < 256 {
				seen[f.Path] = true
				m.Mapped = append(m.Mapped, f.Path)
			}
		}
		if exp := cc.ExpectedSize(); res.EOF && res.Size < exp && res.Truncated == "" {
			res.Truncated = "stream"
		}
	}
	switch {
	case res.Truncated != "":
		m.Truncated, m.TruncatedWhy = true, res.Truncated
	case res.ReadErr != nil:
		m.Truncated, m.TruncatedWhy = true, "read: "+res.ReadErr.Error()
	case res.WriteErr != nil:
		m.Truncated, m.TruncatedWhy = true, "write: "+res.WriteErr.Error()
	}

	// Who may read it: only the crashing uid, and only when nothing says
	// the process held more privilege than that uid.
	m.RootOnly, m.RootOnlyWhy = rootOnly(c, pi, res)

	// A failure here still leaves the sidecar: what crashed is never lost.
	var storeErr error
	if res.WriteErr != nil && m.Dropped == "" {
		// A full disk: the partial core is worthless to gdb; say so.
		m.Dropped = "write error: " + res.WriteErr.Error()
	}
	if dst != nil && m.Dropped == "" && res.WriteErr == nil {
		storeErr = finishCore(cfg, m, dst, tmp)
		if storeErr == nil {
			tmp.Close()
			tmp = nil
		} else {
			m.Dropped = "store error: " + storeErr.Error()
		}
	}
	m.HandleMs = time.Since(start).Milliseconds()
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		m.PeakRSSKB = ru.Maxrss
	}
	if err := writeSidecar(cfg.Store, m, cfg.Sync); err != nil {
		return m, cfg, errors.Join(storeErr, err)
	}
	if _, err := GC(cfg.Store, cfg); err != nil {
		return m, cfg, errors.Join(storeErr, fmt.Errorf("gc: %w", err))
	}
	if cfgErr != nil {
		return m, cfg, errors.Join(storeErr, fmt.Errorf("config (defaults used): %w", cfgErr))
	}
	return m, cfg, storeErr
}

// finishCore flushes the temporary core, sets its owner and mode, and
// renames it to its final name in the store.
func finishCore(cfg Config, m *Meta, dst sink, tmp *os.File) error {
	if err := dst.Finish(m.Size); err != nil {
		return err
	}
	m.DiskSize = dst.DiskBytes()
	if fi, err := tmp.Stat(); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			m.DiskSize = st.Blocks * 512
		}
	}
	name := m.ID + ".core"
	if m.Compression == "zstd" {
		name += ".zst"
	}
	if err := setAccess(tmp, m); err != nil {
		return err
	}
	if cfg.Sync {
		if err := tmp.Sync(); err != nil {
			return err
		}
	}
	stored := filepath.Join(cfg.Store, name)
	if err := os.Rename(tmp.Name(), stored); err != nil {
		return err
	}
	m.CorePath = stored
	return nil
}

func rootOnly(c Crash, pi *procInfo, res *streamResult) (bool, string) {
	switch {
	case c.UID == 0:
		return true, "uid 0"
	case c.DumpMode != 1:
		return true, fmt.Sprintf("dump mode %d", c.DumpMode)
	case !pi.Verified:
		return true, "crasher not verified: " + pi.Why
	case pi.CredsChanged:
		return true, "real, effective, saved or fs ids differ"
	}
	if cc := res.Core; cc != nil {
		a := cc.Auxv
		if a.HaveSecure && a.Secure {
			return true, "AT_SECURE"
		}
		if a.HaveUIDs && (a.UID != a.EUID || a.GID != a.EGID || a.UID != uint64(c.UID)) {
			return true, "auxv ids differ"
		}
	} else {
		return true, "no notes to check AT_SECURE"
	}
	return false, ""
}

// setAccess makes f root-only (0600) or readable by the crashing uid alone
// (owned by it, mode 0400).
func setAccess(f *os.File, m *Meta) error {
	if m.RootOnly {
		return f.Chmod(0o600)
	}
	if err := f.Chown(int(m.UID), -1); err != nil {
		return err
	}
	return f.Chmod(0o400)
}

func writeSidecar(store string, m *Meta, sync bool) error {
	b, err := jsonIndent(m)
	if err != nil {
		return err
	}
	p := filepath.Join(store, sidecarName(m.ID))
	tmp, err := os.OpenFile(filepath.Join(store, ".tmp-"+sidecarName(m.ID)), os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	// The sidecar stays root's (0600) even when the core belongs to the
	// user: root's dump and debug trust its core_path and exe.
	_, err = tmp.Write(b)
	if err == nil && sync {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// previousTarget prepares the copy for the pattern that was live before
// install: a file written with the kernel's own rules, or the previous pipe
// helper fed the same stream.
func previousTarget(env HandleEnv, cfg Config, c Crash, pi *procInfo, sys Sysctl) ([]*teeTarget, func(*streamResult) string) {
	st, err := ReadState(cfg.Store)
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
		w, err := cmd.StdinPipe()
		if err == nil {
			err = cmd.Start()
		}
		if err != nil {
			return nil, func(*streamResult) string { return argv[0] + ": " + err.Error() }
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
	if !pi.Verified || pi.FSUID < 0 {
		return nil, errors.New("crasher not verified; its cwd and root cannot be trusted")
	}
	type result struct {
		f   *os.File
		err error
	}
	ch := make(chan result, 1)
	// fsuid is per thread: switch it on a locked thread that is never
	// unlocked, so Go discards the thread instead of reusing it.
	go func() {
		runtime.LockOSThread()
		unix.Setfsgid(pi.FSGID)
		unix.Setfsuid(pi.FSUID)
		if got, _ := unix.SetfsuidRetUid(-1); got != pi.FSUID {
			ch <- result{err: errors.New("could not switch fsuid")}
			return
		}
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
			ch <- result{err: fmt.Errorf("open crasher %s: %w", anchor, err)}
			return
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
			ch <- result{err: fmt.Errorf("directory %s: %w", dir, err)}
			return
		}
		defer unix.Close(dfd)
		f, err := createCore(dfd, base, true, pi.FSUID)
		ch <- result{f, err}
	}()
	r := <-ch
	return r.f, r.err
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

func statFS(dir string) (fsSpace, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return fsSpace{}, err
	}
	return fsSpace{Total: st.Blocks * uint64(st.Bsize), Free: st.Bavail * uint64(st.Bsize)}, nil
}
