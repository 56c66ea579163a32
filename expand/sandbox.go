package expand

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sandbox is one fresh temporary tree for a run of real shells:
//
//	root/bin   the only directory on PATH (helpers such as argv.py)
//	root/work  the working directory, writable by the sandbox user
//
// Everything is removed by cleanup.
type sandbox struct {
	root, bin, work string
	opts            Options
	limiter         string // bash used to apply ulimits before exec
	layers          layers
	cg              *cgroup
	mu              sync.Mutex
	notes           []string
}

// WorkDir in an Options.Env value stands for the sandbox's working
// directory, e.g. "TMP=@WORKDIR@" for spec files that write to $TMP.
const WorkDir = "@WORKDIR@"

// maxStream caps what is kept of one output stream, so a runaway case
// cannot exhaust quirk's memory.
const maxStream = 16 << 20

// openEngine finds the engine and makes a sandbox to run it in; the caller
// cleans the sandbox up. With Options.RequireSandbox a machine that lacks a
// layer is an error, before anything runs.
func openEngine(engine string, opts Options) (*Engine, *sandbox, error) {
	eng, err := lookEngine(engine, opts.Paths[engine])
	if err != nil {
		return nil, nil, err
	}
	sb, err := newSandbox(opts)
	if err != nil {
		return nil, nil, err
	}
	if opts.RequireSandbox && len(sb.layers.missing) > 0 {
		sb.cleanup()
		return nil, nil, fmt.Errorf("%w: missing %s (%s)", ErrSandboxIncomplete, strings.Join(sb.layers.missing, ", "), strings.Join(sb.layers.notes, "; "))
	}
	return eng, sb, nil
}

func newSandbox(opts Options) (*sandbox, error) {
	bash, err := lookEngine("bash", opts.Paths["bash"])
	if err != nil {
		return nil, fmt.Errorf("sandbox needs bash to apply resource limits: %w", err)
	}
	root, err := os.MkdirTemp(sandboxParent(), "quirk-expand-")
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	sb := &sandbox{root: root, bin: filepath.Join(root, "bin"), work: filepath.Join(root, "work"), opts: opts, limiter: bash.Path}
	if err := sb.populate(bash.Path); err != nil {
		sb.cleanup()
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	sb.layers = layersOf()
	sb.notes = append([]string{}, sb.layers.notes...)
	if err := sb.openCgroup(); err != nil {
		sb.cleanup()
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return sb, nil
}

// sandboxParent is where sandboxes are made. The unprivileged sandbox user
// must be able to reach the sandbox, so a private $TMPDIR (a 0700 directory,
// as test harnesses and systemd's PrivateTmp give) is passed over for /tmp.
// Without $TMPDIR, a memory file system (memoryTempDir) comes first: each
// sandbox creates, writes and removes a dozen files, and on a disk's
// journalled file system that took 1.7-3.7 ms of every call (0.6 ms on
// tmpfs).
func sandboxParent() string {
	dirs := []string{os.TempDir(), "/tmp", "/var/tmp"}
	if os.Getenv("TMPDIR") == "" {
		if shm, ok := memoryTempDir(); ok {
			dirs = append([]string{shm}, dirs...)
		}
	}
	for _, dir := range dirs {
		if worldTraversable(dir) {
			return dir
		}
	}
	return os.TempDir()
}

// worldTraversable reports whether every directory from dir up to the root
// lets others through (o+x).
func worldTraversable(dir string) bool {
	d, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		info, err := os.Stat(d)
		if err != nil || !info.IsDir() || info.Mode().Perm()&0o001 == 0 {
			return false
		}
		parent := filepath.Dir(d)
		if parent == d {
			return true
		}
		d = parent
	}
}

func (sb *sandbox) populate(bashPath string) error {
	// The root must be traversable by the unprivileged sandbox user.
	if err := os.Chmod(sb.root, 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(sb.bin, 0o755); err != nil {
		return err
	}
	if err := sb.makeWork(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(sb.bin, "argv.py"), []byte(argvHelper(bashPath)), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(sb.bin, "printenv.py"), []byte(printenvHelper(bashPath)), 0o755); err != nil {
		return err
	}
	return sb.linkCommands(sb.opts.Commands)
}

// makeWork creates the working directory with opts.Files, owned by the
// sandbox user.
func (sb *sandbox) makeWork() error {
	if err := os.Mkdir(sb.work, 0o700); err != nil {
		return err
	}
	for _, name := range sb.opts.Files {
		if name == "" || strings.Contains(name, "/") || name == "." || name == ".." {
			return fmt.Errorf("file name %q: must be a plain name inside the working directory", name)
		}
		if err := os.WriteFile(filepath.Join(sb.work, name), nil, 0o644); err != nil {
			return err
		}
	}
	return handOver(sb.work)
}

// freshWork replaces the working directory with an empty one, so that
// files one script writes never reach the next.
func (sb *sandbox) freshWork() error {
	if err := os.RemoveAll(sb.work); err != nil {
		return err
	}
	return sb.makeWork()
}

func (sb *sandbox) addNote(note string) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	for _, n := range sb.notes {
		if n == note {
			return
		}
	}
	sb.notes = append(sb.notes, note)
}

func (sb *sandbox) cleanup() {
	sb.cg.remove()
	_ = os.RemoveAll(sb.root)
}

func (sb *sandbox) env() []string {
	env := []string{"PATH=" + sb.bin}
	for _, kv := range sb.opts.Env {
		if !strings.HasPrefix(kv, "PATH=") {
			env = append(env, strings.ReplaceAll(kv, WorkDir, sb.work))
		}
	}
	return env
}

// limitScript is run by bash before it execs the real shell, so the
// limits hold for the shell and every subshell it forks. RLIMIT_CPU counts
// per process: a looping case's subshell dies with SIGXCPU, its batch lives.
//
// Before that it closes every descriptor from keepFrom up: quirk's caller
// may have left some open without close-on-exec (Go passes those on), and
// none of them belongs in the sandbox.
func (sb *sandbox) limitScript(keepFrom int) string {
	o := sb.opts
	closeFDs := fmt.Sprintf(`for __q in /proc/$$/fd/*; do __q=${__q##*/}; [ "$__q" -ge %d ] 2>/dev/null && eval "exec $__q>&-" 2>/dev/null; done; `, keepFrom)
	// RLIMIT_NPROC counts every process of the sandbox user, other
	// sandboxes' too, so one fork bomb would starve them all: with a
	// cgroup, its pids.max caps each sandbox alone instead.
	nproc := fmt.Sprintf(" -u %d", o.maxProcs())
	if sb.cg != nil {
		nproc = ""
	}
	return closeFDs + sb.cgroupJoin() + fmt.Sprintf(`ulimit -t %d -f %d%s -v %d -c 0 || exit 125; exec "$@"`,
		o.cpuSeconds(), o.fileSizeKiB(), nproc, 2<<20)
}

// procOutput is what one sandboxed process produced.
type procOutput struct {
	stdout, stderr, records []byte
	status                  int
	timedOut                bool
}

// run starts argv (an engine and its arguments, with env added to the
// sandbox's environment) in the sandbox and collects stdout, stderr and,
// when records is set, the record stream the batch writes on fd 3. Without
// records the engine gets no fd 3 at all.
func (sb *sandbox) run(parent context.Context, eng *Engine, argv, env []string, records bool) (procOutput, error) {
	var out procOutput
	ctx, cancel := context.WithTimeout(parent, sb.opts.timeout())
	defer cancel()

	nStreams := 2
	if records {
		nStreams = 3
	}
	firstFD := 3 + nStreams - 2
	var extra []*os.File
	defer func() {
		for _, f := range extra {
			f.Close()
		}
	}()
	if eng.IsWorker() {
		// The executable may sit where the sandbox user cannot reach it
		// (a test binary in a 0700 build directory): it is passed open and
		// started as /proc/self/fd/N, which needs no path to it.
		exe, err := os.Open(eng.Path)
		if err != nil {
			return out, fmt.Errorf("engine worker: %w", err)
		}
		extra = append(extra, exe)
		argv = append([]string{"/proc/self/fd/" + strconv.Itoa(firstFD)}, argv[1:]...)
		firstFD++
	}
	full, more, err := sb.wrap(argv, firstFD)
	extra = append(extra, more...)
	if err != nil {
		return out, err
	}
	cmd := exec.Command(full[0], full[1:]...)
	cmd.Env = append(sb.env(), env...)
	cmd.Dir = sb.work
	cmd.Stdin = nil // /dev/null

	pipes, err := newOutputPipes(nStreams)
	if err != nil {
		return out, err
	}
	cmd.Stdout, cmd.Stderr = pipes.w[0], pipes.w[1]
	if records {
		cmd.ExtraFiles = []*os.File{pipes.w[2]}
	}
	cmd.ExtraFiles = append(cmd.ExtraFiles, extra...)
	cmd.SysProcAttr = sb.sysProcAttr()

	confined, release, err := sb.startConfined(cmd, []string{sb.limiter, argv[0]})
	defer release()
	if !confined && err != nil && strings.HasPrefix(err.Error(), "landlock:") {
		sb.addNote(err.Error() + ": shells run without file-system confinement")
		err = cmd.Start()
	}
	if err != nil {
		pipes.cancel()
		return out, fmt.Errorf("starting %s: %w", argv[0], err)
	}
	pipes.closeWriters()
	pipes.start()

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var waitErr error
	select {
	case waitErr = <-done:
	case <-ctx.Done():
		out.timedOut = true
		sb.killTree(cmd.Process)
		waitErr = <-done
	}
	if parent.Err() != nil {
		// Cancelled by the caller (SIGINT, SIGTERM), not our timeout: the
		// tree is dead; the caller's deferred cleanup removes the rest.
		sb.killTree(cmd.Process)
		pipes.collect(time.Second)
		return out, parent.Err()
	}
	// Background jobs a case left behind die with the PID namespace, the
	// process group and the cgroup, which also closes the pipes they hold.
	sb.killTree(cmd.Process)
	// After a second, something that escaped the process group and
	// holds a pipe open is no longer waited for.
	streams := pipes.collect(time.Second)
	out.stdout, out.stderr = streams[0], streams[1]
	if records {
		out.records = streams[2]
	}
	var exitErr *exec.ExitError
	switch {
	case waitErr == nil:
	case errors.As(waitErr, &exitErr):
		out.status = exitStatus(exitErr)
	default:
		return out, waitErr
	}
	if out.status == 125 && (bytes.Contains(out.stderr, []byte("ulimit")) || bytes.Contains(out.stderr, []byte("quirk-sandbox:"))) {
		return out, fmt.Errorf("sandbox: could not set resource limits: %s", bytes.TrimSpace(out.stderr))
	}
	if out.status == 1 && bytes.HasPrefix(out.stderr, []byte("bwrap:")) {
		return out, fmt.Errorf("sandbox: bubblewrap failed: %s", bytes.TrimSpace(out.stderr))
	}
	return out, nil
}

// exitStatus maps a signal death to 128+signal, as shells report it.
func exitStatus(e *exec.ExitError) int {
	if sig, ok := signalOf(e); ok {
		return 128 + sig
	}
	return e.ExitCode()
}

// layersOf is what the machine gives the sandbox; tests replace it to see
// how a machine without a layer is handled.
var layersOf = probeLayers
