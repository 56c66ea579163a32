package expand

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// WordCase is one word evaluated with $0=Arg0 and positional args Args,
// after an optional Setup script (e.g. "IFS=,; n=0") run in the same shell
// before the word.
//
// The word is evaluated as the argument list of a printing command, so
// "${@:0}" yields the fields and an expansion error shows up as a non-zero
// Status with stderr. Each case runs in its own subshell: an error that
// aborts the rest of a line in bash (e.g. "${@:2:-1}") cannot leak into the
// next case. An empty Arg0 means "quirk".
type WordCase struct {
	Setup, Word, Arg0 string
	Args              []string
}

// Result is what one engine made of one case.
type Result struct {
	Engine  string // "bash", "dash", "mksh", "zsh", "ash", "ksh" or "mvdan"
	Path    string // the shell binary, or the Go module for mvdan
	Version string // the shell's own version string

	// Fields are the words the printing command received. nil means the
	// printing command never ran (an expansion or syntax error stopped the
	// line); an empty non-nil slice means it ran with no arguments. For a
	// script, Fields is nil and Stdout holds its output.
	Fields []string
	Status int    // exit status of the case's subshell (or the script)
	Stdout string // what the case wrote to stdout besides the fields
	Stderr string

	// Err is a sandbox or engine failure, not a shell error: a missing
	// shell, a timeout, a Go panic inside mvdan.cc/sh, a refused word.
	Err error

	// Elapsed is the wall-clock time of the case's process (scripts) or
	// of its whole batch (words).
	Elapsed time.Duration

	// Notes say how the sandbox was weakened on this machine, one per
	// missing layer ("sandbox layer cgroup missing: …"). They are the same
	// for every case of a run; none means every layer was in place.
	Notes []string
}

// Options configure an evaluation. The zero value is a safe default.
type Options struct {
	// AllowExec lets words, setups and scripts run commands: command and
	// process substitution and commands named by a path. Without it such
	// input is refused with ErrExecRefused before any shell starts.
	AllowExec bool

	// Env holds extra "NAME=value" entries for the otherwise empty
	// environment. PATH is always the private helper directory.
	Env []string

	// Files are names of empty files created in the fresh working
	// directory, so that globs have something to match in every engine.
	Files []string

	// Timeout is the wall-clock budget of one shell process (a whole batch
	// of cases, or one script). Zero means 10s.
	Timeout time.Duration

	// CPUSeconds limits each process (and so each case's subshell). Zero
	// means 2; an infinite loop in one case then ends with SIGXCPU while
	// the batch carries on.
	CPUSeconds int

	// MaxProcs is RLIMIT_NPROC for the sandbox user. Zero means 256: it
	// counts every process of that user, including other sandboxes.
	// The limit only holds for an unprivileged user, which is why quirk
	// drops to uid/gid 65534 when it runs as root.
	MaxProcs int

	// FileSizeKiB limits the size of any file a case writes. Zero means 1024.
	FileSizeKiB int

	// NativeZsh runs zsh in its own mode instead of "emulate sh".
	NativeZsh bool

	// Commands are system commands (found in /usr/local/bin, /usr/bin or
	// /bin, never through the caller's PATH) put on the shells' PATH, e.g.
	// "cat" for spec files. The mvdan engine runs them too. Empty by
	// default: words need none.
	Commands []string

	// Paths overrides where a shell engine's binary is, e.g.
	// {"bash": "/opt/bash-5.3/bin/bash"}.
	Paths map[string]string

	// RequireSandbox refuses to run anything (ErrSandboxIncomplete) when
	// the machine cannot give one of the sandbox's layers (bubblewrap's
	// namespaces, seccomp, Landlock scopes, the cgroup, the drop to uid
	// 65534). Without it the run goes on and Result.Notes name what is
	// missing. "quirk check --confirm" and CI set it.
	RequireSandbox bool

	// MemoryMiB caps the memory of the sandbox's whole process tree (the
	// cgroup). Zero means 1024.
	MemoryMiB int
}

func (o Options) memoryBytes() int64 {
	if o.MemoryMiB > 0 {
		return int64(o.MemoryMiB) << 20
	}
	return 1 << 30
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return 10 * time.Second
}

func (o Options) cpuSeconds() int {
	if o.CPUSeconds > 0 {
		return o.CPUSeconds
	}
	return 2
}

func (o Options) maxProcs() int {
	if o.MaxProcs > 0 {
		return o.MaxProcs
	}
	return 256
}

func (o Options) fileSizeKiB() int {
	if o.FileSizeKiB > 0 {
		return o.FileSizeKiB
	}
	return 1024
}

// Errors callers can test with errors.Is.
var (
	// ErrUnknownEngine: the engine name is not one quirk knows.
	ErrUnknownEngine = errors.New("unknown engine")
	// ErrShellMissing: the engine is known but its shell is not installed.
	ErrShellMissing = errors.New("shell not installed")
	// ErrExecRefused: the input would run a command and AllowExec is off.
	ErrExecRefused = errors.New("refused to run commands (use --allow-exec)")
	// ErrTimeout: the case did not finish within the wall-clock budget.
	ErrTimeout = errors.New("timed out")
	// ErrEnginePanic: mvdan.cc/sh panicked (v3.14.1 does on "shift -1").
	ErrEnginePanic = errors.New("engine panicked")
	// ErrSandboxIncomplete: Options.RequireSandbox is set and a layer of
	// the sandbox is missing on this machine.
	ErrSandboxIncomplete = errors.New("sandbox incomplete")
)

// FieldString renders fields the way docs/positional.md does: "<a><b c>", and
// "(no fields)" or "(error)" where there is nothing to show.
func FieldString(r Result) string {
	switch {
	case r.Err != nil:
		return "(failed: " + r.Err.Error() + ")"
	case r.Fields == nil:
		return "(error)"
	case len(r.Fields) == 0:
		return "(no fields)"
	}
	var b strings.Builder
	for _, f := range r.Fields {
		b.WriteString("<")
		b.WriteString(f)
		b.WriteString(">")
	}
	return b.String()
}

func (r Result) String() string {
	s := fmt.Sprintf("%s: %s status %d", r.Engine, FieldString(r), r.Status)
	if r.Stderr != "" {
		s += " stderr " + fmt.Sprintf("%q", r.Stderr)
	}
	return s
}
