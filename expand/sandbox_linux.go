//go:build linux

package expand

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// sandboxUID is "nobody": RLIMIT_NPROC is not enforced for root, and an
// unprivileged user cannot write outside the directories handed to it.
const sandboxUID = 65534

// Sandbox layers, as Result.Notes and ErrSandboxIncomplete name them.
const (
	LayerMountNS  = "bubblewrap"      // mount, user, PID, network, IPC and UTS namespaces, minimal root
	LayerSeccomp  = "seccomp"         // the system-call filter
	LayerLandlock = "landlock-scopes" // no abstract sockets or signals across the sandbox edge
	LayerCgroup   = "cgroup"          // memory and task caps for the whole tree
	LayerUser     = "user-drop"       // uid/gid 65534 when quirk runs as root
)

// layers is what this machine gives the sandbox, probed once per process.
type layers struct {
	bwrap   string // bubblewrap's path, "" when it is missing or cannot run
	seccomp []byte // the compiled filter, nil when it could not be built
	scopes  bool   // Landlock ABI >= 6
	cgroup  bool
	missing []string // layer names
	notes   []string
}

var (
	layersOnce sync.Once
	theLayers  layers
)

func probeLayers() layers {
	layersOnce.Do(func() {
		l := &theLayers
		miss := func(layer, why string) {
			l.missing = append(l.missing, layer)
			l.notes = append(l.notes, fmt.Sprintf("sandbox layer %s missing: %s", layer, why))
		}
		if prog, err := seccompProgram(); err != nil {
			miss(LayerSeccomp, err.Error())
		} else {
			l.seccomp = prog
		}
		if bw, err := lookSystemPath("bwrap"); err != nil {
			miss(LayerMountNS, "bubblewrap (bwrap) is not installed: shells see the host file system through Landlock rules only")
		} else if err := userNamespacesAllowed(); err != nil {
			miss(LayerMountNS, fmt.Sprintf("bubblewrap cannot make a user namespace here (%v): shells see the host file system through Landlock rules only", err))
		} else {
			// Not started here: a probe run would cost every quirk call
			// a sandbox's start-up. If bubblewrap fails anyway, the run
			// fails with its message; nothing then runs unsandboxed.
			l.bwrap = bw
		}
		if l.bwrap == "" && l.seccomp != nil {
			// bubblewrap is what installs the filter.
			l.seccomp = nil
			miss(LayerSeccomp, "it is installed by bubblewrap, which is missing")
		}
		if v := landlockVersion(); v < 6 {
			miss(LayerLandlock, fmt.Sprintf("Landlock ABI %d, scopes need 6", v))
		} else {
			l.scopes = true
		}
		// The cgroup is tried by each sandbox (openCgroup): a probe here
		// would cost every call one more mkdir and rmdir.
		l.cgroup = true
		if os.Geteuid() != 0 {
			// Not a missing layer: there is nothing to drop, and the
			// user's own files are outside the mount namespace's view.
			l.notes = append(l.notes, fmt.Sprintf("running as uid %d, not root: shells keep that user (without capabilities, in their own user namespace)", os.Geteuid()))
		}
	})
	return theLayers
}

// userNamespacesAllowed is the cheap part of "can bubblewrap run here":
// unprivileged user namespaces must not be switched off.
func userNamespacesAllowed() error {
	for _, f := range []string{"/proc/sys/user/max_user_namespaces", "/proc/sys/kernel/unprivileged_userns_clone"} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // absent on this kernel
		}
		if strings.TrimSpace(string(data)) == "0" {
			return fmt.Errorf("%s is 0", f)
		}
	}
	return nil
}

func bwrapNamespaces() []string {
	return []string{
		"--unshare-user", "--disable-userns", "--unshare-ipc", "--unshare-pid", "--unshare-net",
		"--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
	}
}

// bwrapRoot is the minimal root: the system's programs and libraries
// read-only, the few files of /etc the shells read, a private /tmp and
// /dev/shm, bubblewrap's minimal /dev, and a /proc of the sandbox's own PID
// namespace. No /home, /root, /run, /var, /sys or host /tmp.
func bwrapRoot() []string {
	var args []string
	for _, d := range []string{"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"} {
		st, err := os.Lstat(d)
		switch {
		case err != nil:
		case st.Mode()&os.ModeSymlink != 0:
			if target, err := os.Readlink(d); err == nil {
				args = append(args, "--symlink", target, d)
			}
		case st.IsDir():
			args = append(args, "--ro-bind", d, d)
		}
	}
	for _, f := range []string{"/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime"} {
		args = append(args, "--ro-bind-try", f, f)
	}
	return append(args, "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/dev/shm", "--tmpfs", "/tmp")
}

// bwrapArgs is bubblewrap's command line for one run, up to "--".
func (sb *sandbox) bwrapArgs(enginePath string, seccompFD int) []string {
	args := append(bwrapNamespaces(), bwrapRoot()...)
	if strings.HasPrefix(enginePath, "/proc/self/fd/") {
		// The worker, passed as an open descriptor.
	} else if real, err := filepath.EvalSymlinks(enginePath); err == nil && !underSystemDirs(real) {
		// A shell from Options.Paths, or the quirk executable itself.
		args = append(args, "--ro-bind", real, real)
		if real != enginePath {
			args = append(args, "--ro-bind", enginePath, enginePath)
		}
	}
	args = append(args, "--ro-bind", sb.root, sb.root, "--bind", sb.work, sb.work, "--chdir", sb.work)
	if seccompFD >= 0 {
		args = append(args, "--seccomp", strconv.Itoa(seccompFD))
	}
	return append(args, "--remount-ro", "/")
}

func underSystemDirs(p string) bool {
	for _, d := range []string{"/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/"} {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	return false
}

// wrap turns argv (an engine and its arguments) into what is started:
// quirk's limiter joins the cgroup and sets the resource limits, then
// starts bubblewrap, which starts the engine. extra are files to pass
// after the record stream (the seccomp program); firstFD is the
// descriptor number the first of them gets.
func (sb *sandbox) wrap(argv []string, firstFD int) (full []string, extra []*os.File, err error) {
	if sb.layers.bwrap == "" {
		probeIsolation(sb.limiter)
		return append([]string{sb.limiter, "-c", sb.limitScript(firstFD), "quirk-sandbox"}, argv...), nil, nil
	}
	fd := -1
	if sb.layers.seccomp != nil {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, nil, err
		}
		// The program is a few hundred bytes: it fits the pipe's buffer.
		_, werr := w.Write(sb.layers.seccomp)
		w.Close()
		if werr != nil {
			r.Close()
			return nil, nil, werr
		}
		extra = append(extra, r)
		fd = firstFD
	}
	full = []string{sb.limiter, "-c", sb.limitScript(firstFD + len(extra)), "quirk-sandbox", sb.layers.bwrap}
	full = append(full, sb.bwrapArgs(argv[0], fd)...)
	full = append(full, "--")
	return append(full, argv...), extra, nil
}

// The fallback when bubblewrap is missing: Go's own namespaces.
var (
	isolationOnce  sync.Once
	isolationFlags uintptr
)

// probeIsolation finds, once per process, whether shells can start in new
// PID and network namespaces without bubblewrap (as root).
func probeIsolation(bash string) {
	isolationOnce.Do(func() {
		if os.Geteuid() != 0 {
			return
		}
		try := func(flags uintptr) error {
			cmd := exec.Command(bash, "-c", ":")
			cmd.Env = []string{}
			attr := baseAttr()
			attr.Cloneflags = flags
			cmd.SysProcAttr = attr
			return cmd.Run()
		}
		for _, f := range []uintptr{syscall.CLONE_NEWPID, syscall.CLONE_NEWNET} {
			if try(isolationFlags|f) == nil {
				isolationFlags |= f
			}
		}
	})
}

func baseAttr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		attr.Credential = &syscall.Credential{Uid: sandboxUID, Gid: sandboxUID, Groups: []uint32{}}
	}
	return attr
}

func (sb *sandbox) sysProcAttr() *syscall.SysProcAttr {
	attr := baseAttr()
	if sb.layers.bwrap == "" {
		attr.Cloneflags = isolationFlags
	}
	if sb.cg != nil && sb.cg.fd >= 0 {
		attr.UseCgroupFD, attr.CgroupFD = true, sb.cg.fd
	}
	return attr
}

// openCgroup makes the sandbox's cgroup; a machine that cannot give one
// is a missing layer of this sandbox, not an error.
func (sb *sandbox) openCgroup() error {
	if !sb.layers.cgroup {
		return nil
	}
	cg, err := newCgroup(sb.opts.memoryBytes(), sb.opts.maxProcs())
	if err != nil {
		sb.layers.cgroup = false
		sb.layers.missing = append(append([]string{}, sb.layers.missing...), LayerCgroup)
		note := fmt.Sprintf("sandbox layer %s missing: %v: memory and processes are capped per process only", LayerCgroup, err)
		sb.layers.notes = append(append([]string{}, sb.layers.notes...), note)
		sb.notes = append(sb.notes, note)
		return nil
	}
	sb.cg = cg
	return nil
}

// cgroupJoin is the limiter's shell code that moves it into a v1 cgroup.
func (sb *sandbox) cgroupJoin() string {
	if sb.cg == nil {
		return ""
	}
	var b strings.Builder
	for _, p := range sb.cg.procs {
		fmt.Fprintf(&b, "echo $$ > %s || { echo 'quirk-sandbox: cannot join the cgroup' >&2; exit 125; }; ", shellQuote(p))
	}
	return b.String()
}

// memoryTempDir is /dev/shm when it is a tmpfs that allows executables
// (the sandbox's helper commands run from it) and that anyone may write
// to, as systemd and Debian mount it.
func memoryTempDir() (string, bool) {
	const dir = "/dev/shm"
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil || st.Type != unix.TMPFS_MAGIC || st.Flags&unix.ST_NOEXEC != 0 {
		return "", false
	}
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm()&0o003 != 0o003 || unix.Access(dir, unix.W_OK) != nil {
		return "", false
	}
	return dir, true
}

// handOver gives the working directory to the sandbox user.
func handOver(dir string) error {
	if os.Geteuid() == 0 {
		return os.Chown(dir, sandboxUID, sandboxUID)
	}
	return nil
}

func killGroup(p *os.Process) {
	if p == nil {
		return
	}
	// One kill can race with a fork in progress (a fork bomb), so repeat
	// until the group is empty.
	for i := 0; i < 1000; i++ {
		if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil {
			return // ESRCH: nobody left
		}
		settle(i, time.Millisecond)
	}
}

// killTree kills what is left of the sandbox's processes: its process
// group and, with a cgroup, everything in it.
func (sb *sandbox) killTree(p *os.Process) {
	killGroup(p)
	if sb.cg != nil {
		sb.cg.kill()
	}
}

func signalOf(e *exec.ExitError) (int, bool) {
	if ws, ok := e.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return int(ws.Signal()), true
	}
	return 0, false
}
