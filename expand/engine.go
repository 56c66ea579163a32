package expand

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Mvdan is the name of the engine built on mvdan.cc/sh. It runs like a
// shell: quirk's own executable, started in the sandbox as an engine worker
// (see worker.go), so nothing it evaluates runs in the quirk process.
const Mvdan = "mvdan"

// engineSpec says how to find and start one engine.
type engineSpec struct {
	name     string
	binaries []string // tried in order on PATH
	prefix   []string // arguments before -c, e.g. "ash" for busybox
	// emitter is how the shell writes one NUL-terminated token to fd 3:
	// mksh has no printf builtin, and PATH holds no printf binary.
	printBuiltin bool
	// versionScript prints the version from inside the shell.
	versionScript string
	// versionFromBatch: a batch learns the version itself (see
	// versionGuard), so a word costs no separate run of the shell.
	versionFromBatch bool
	// worker: the engine is this executable re-run as an engine worker.
	worker bool
}

var engineSpecs = []engineSpec{
	{name: "bash", binaries: []string{"bash"}, versionScript: `echo "$BASH_VERSION"`, versionFromBatch: true},
	{name: "dash", binaries: []string{"dash"}},
	{name: "mksh", binaries: []string{"mksh"}, printBuiltin: true, versionScript: `echo "$KSH_VERSION"`},
	{name: "zsh", binaries: []string{"zsh"}, versionScript: `echo "$ZSH_VERSION"`},
	{name: "ash", binaries: []string{"busybox"}, prefix: []string{"ash"}},
	{name: "ksh", binaries: []string{"ksh93", "ksh"}, versionScript: `echo "${.sh.version}"`},
	{name: Mvdan, worker: true},
}

// Engines lists every engine name quirk knows, real shells first.
func Engines() []string {
	names := make([]string, 0, len(engineSpecs))
	for _, s := range engineSpecs {
		names = append(names, s.name)
	}
	return names
}

func lookupSpec(name string) (engineSpec, bool) {
	for _, s := range engineSpecs {
		if s.name == name {
			return s, true
		}
	}
	return engineSpec{}, false
}

// Engine is an installed engine: a real shell, or this executable as the
// mvdan.cc/sh worker. Every engine is started the same way, in the same
// sandbox, as "PATH [PREFIX...] -c SRC ARG0 ARGS...".
type Engine struct {
	spec    engineSpec
	Name    string
	Path    string
	Version string
	// known is the version once asked or learnt from a batch, shared by
	// the copies FindEngine hands out.
	known *atomic.Pointer[string]
}

// version is the engine's version, asking the shell if no batch has told
// it yet.
func (e *Engine) version() string {
	if v := e.known.Load(); v != nil {
		return *v
	}
	e.learn(shellVersion(e.spec, e.Path))
	return *e.known.Load()
}

// learn records the version unless one is known already.
func (e *Engine) learn(v string) {
	e.known.CompareAndSwap(nil, &v)
}

// IsWorker reports whether the engine is quirk's own mvdan.cc/sh worker
// rather than a real shell.
func (e *Engine) IsWorker() bool { return e.spec.worker }

var (
	engineCacheMu sync.Mutex
	engineCache   = map[string]*Engine{}
)

// FindEngine locates an engine and its version. path overrides the lookup
// when not empty (it is ignored for mvdan, which is always this
// executable). The lookup is cached per (name, path).
func FindEngine(name, path string) (*Engine, error) {
	e, err := lookEngine(name, path)
	if err != nil {
		return nil, err
	}
	c := *e
	c.Version = e.version()
	return &c, nil
}

// HaveEngine says whether an engine is installed (nil) or why not, as
// FindEngine does, but without starting the shell to ask its version
// (ksh93 excepted): a quirk call that only picks its engines saves those runs.
func HaveEngine(name, path string) error {
	_, err := lookEngine(name, path)
	return err
}

// lookEngine is FindEngine without asking the shell its version (except
// ksh, see below): bash's batch reports it (versionGuard), the others are
// asked by version() when a result needs it. Version is empty until then.
func lookEngine(name, path string) (*Engine, error) {
	spec, ok := lookupSpec(name)
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownEngine, name, strings.Join(Engines(), ", "))
	}
	key := name + "\x00" + path
	engineCacheMu.Lock()
	defer engineCacheMu.Unlock()
	if sh, ok := engineCache[key]; ok {
		return sh, nil
	}
	if spec.worker {
		exe, err := workerExecutable()
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %v", name, ErrShellMissing, err)
		}
		e := &Engine{spec: spec, Name: name, Path: exe, known: new(atomic.Pointer[string])}
		e.learn(MvdanVersion())
		e.Version = e.version()
		engineCache[key] = e
		return e, nil
	}
	if path == "" {
		for _, b := range spec.binaries {
			if p, err := exec.LookPath(b); err == nil {
				path = p
				break
			}
		}
		if path == "" {
			return nil, fmt.Errorf("%s: %w (looked for %s on PATH)", name, ErrShellMissing, strings.Join(spec.binaries, ", "))
		}
	} else if p, err := exec.LookPath(path); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrShellMissing, err)
	} else {
		path = p
	}
	sh := &Engine{spec: spec, Name: name, Path: path, known: new(atomic.Pointer[string])}
	if name == "ksh" {
		// Needed now: only ksh93 is "ksh". Other shells are asked when a
		// result needs the version, after their run (in parallel with other
		// engines' runs in the CLI); bash tells its batch (versionGuard).
		sh.Version = sh.version()
	}
	if name == "ksh" && !strings.Contains(sh.Version, "93") {
		// /usr/bin/ksh may be mksh through alternatives; only ksh93 is "ksh".
		return nil, fmt.Errorf("ksh: %w: %s is not ksh93 (version %q)", ErrShellMissing, path, sh.Version)
	}
	engineCache[key] = sh
	return sh, nil
}

var busyboxVersion = regexp.MustCompile(`BusyBox (v[0-9][^ ]*)`)

// shellVersion asks the shell itself; dash has no version variable, so its
// Debian package version is used when dpkg-query exists.
func shellVersion(spec engineSpec, path string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	run := func(name string, args ...string) string {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = []string{}
		var out bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = &out
		_ = cmd.Run() // busybox --help exits 1; the text is what matters
		return strings.TrimSpace(out.String())
	}
	switch spec.name {
	case "ash":
		if m := busyboxVersion.FindStringSubmatch(run(path, "--help")); m != nil {
			return "BusyBox " + m[1]
		}
	case "dash":
		if dq, err := exec.LookPath("dpkg-query"); err == nil {
			if v := run(dq, "-W", "-f=${Version}", "dash"); v != "" && !strings.Contains(v, "no packages") {
				return "dash " + v
			}
		}
		return "dash (version unknown)"
	default:
		args := append(append([]string{}, spec.prefix...), "-c", spec.versionScript)
		if v := run(path, args...); v != "" {
			return v
		}
	}
	return "unknown"
}

// MvdanVersion is the mvdan.cc/sh/v3 module version linked into quirk.
func MvdanVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "mvdan.cc/sh/v3" {
				v := dep.Version
				if dep.Replace != nil {
					v = dep.Replace.Version
				}
				return "mvdan.cc/sh/v3 " + v
			}
		}
	}
	// Test binaries carry no dependency list; go.mod pins the version.
	return "mvdan.cc/sh/v3 (version not in build info)"
}
