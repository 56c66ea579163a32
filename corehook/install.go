package corehook

import (
	"github.com/quirkcheck/quirk/corehook/upload"

	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Defaults used when neither flags nor the config name a location.
const (
	DefaultStore     = "/var/lib/quirk/cores"
	DefaultConfig    = "/etc/quirk/corehook.conf"
	DefaultPipeLimit = 16
)

// Errors that install and uninstall return so callers can tell them apart.
var (
	ErrForeignHandler = errors.New("core_pattern sends cores to another handler")
	ErrChanged        = errors.New("kernel values changed since install")
	ErrNotInstalled   = errors.New("corehook is not installed")
)

// SavedValue is one kernel knob as it read before install. Raw keeps the
// exact bytes (JSON strings would mangle invalid UTF-8); Value is for humans.
type SavedValue struct {
	Knob  string `json:"knob"`
	Value string `json:"value"`
	Raw   []byte `json:"raw"`
	// Set is what install wrote, or "" when install left the knob alone.
	Set string `json:"set,omitempty"`
}

// State is what install records so that uninstall can put everything back
// even after the binary moved. It lives in the store directory.
type State struct {
	Version     int          `json:"version"`
	InstalledAt time.Time    `json:"installed_at"`
	Binary      string       `json:"binary"`
	Pattern     string       `json:"pattern"`
	Store       string       `json:"store"`
	Config      string       `json:"config,omitempty"`
	Previous    []SavedValue `json:"previous"`
}

// PreviousPattern returns the core_pattern that was live before install.
func (s *State) PreviousPattern() string {
	for _, v := range s.Previous {
		if v.Knob == KnobCorePattern {
			return strings.TrimSuffix(string(v.Raw), "\n")
		}
	}
	return ""
}

// InstallOptions configures Install. Zero values pick the defaults.
type InstallOptions struct {
	ProcRoot  string // "/proc" unless testing
	Store     string // DefaultStore
	Config    string // passed to the handler only when set
	Binary    string // absolute path of quirk; os.Executable() when empty
	PipeLimit int    // DefaultPipeLimit when 0; NoPipeLimit writes 0
	Force     bool   // replace another handler's pipe
	// StoreFromConfig allows leaving "-s DIR" out of the pattern when it
	// would not fit in 127 bytes, because Config names the store. Otherwise
	// the store is always in the pattern, so that neither the handler nor
	// status and uninstall depend on the config staying as it was.
	StoreFromConfig bool
	// Mode is ModePipe (default), ModeSocket or ModeAuto; Socket is the
	// server's socket (DefaultSocket).
	Mode, Socket string
}

// NoPipeLimit as InstallOptions.PipeLimit writes core_pipe_limit 0: the
// kernel then runs any number of handlers and does not wait for them.
const NoPipeLimit = -1

// InstallResult says what Install did.
type InstallResult struct {
	AlreadyInstalled bool
	Pattern          string
	State            *State
}

// IsOurPattern reports whether pattern pipes into "quirk corehook handle",
// wherever that binary lives, or names the socket of "quirk corehook serve".
func IsOurPattern(pattern string) bool {
	if isOurSocketPattern(pattern) {
		return true
	}
	if Kind(pattern) != KindPipe {
		return false
	}
	argv := PipeArgv(pattern)
	return len(argv) >= 3 && argv[1] == "corehook" && argv[2] == "handle"
}

// handlerSpecs are the fixed positional arguments of the handler, in order.
// The crasher-controlled strings (%h, %e) come last, and since Linux 5.3 the
// pattern is split before expansion, so each stays one argument.
var handlerSpecs = []string{"%P", "%p", "%i", "%I", "%u", "%g", "%s", "%t", "%c", "%d", "%C", "%F", "%h", "%e"}

// BuildPattern returns the pipe pattern that runs binary as the handler.
// Specifiers the running kernel does not know are replaced by "-" so that the
// positions stay fixed: %F needs 6.16, %C needs 6.2.
func BuildPattern(sys Sysctl, binary, config, store string) (string, error) {
	for _, p := range []string{binary, config, store} {
		if strings.ContainsFunc(p, func(r rune) bool { return r < '!' || r == '%' || r == 0x7f }) {
			return "", fmt.Errorf("path %q contains whitespace, control characters or '%%': the kernel would split or expand it", p)
		}
	}
	if !filepath.IsAbs(binary) {
		return "", fmt.Errorf("handler path %q is not absolute: the kernel requires an absolute helper path", binary)
	}
	var b strings.Builder
	b.WriteString("|" + binary + " corehook handle")
	if config != "" {
		b.WriteString(" -c " + config)
	}
	if store != "" {
		b.WriteString(" -s " + store)
	}
	pidfd := sys.KernelAtLeast(6, 16)
	cpu := sys.KernelAtLeast(6, 2)
	for _, spec := range handlerSpecs {
		switch {
		case spec == "%F" && !pidfd, spec == "%C" && !cpu:
			spec = "-"
		}
		b.WriteString(" " + spec)
	}
	p := b.String()
	if len(p) > MaxPatternLen {
		return "", fmt.Errorf("pattern %q is %d bytes, over the kernel's limit of %d: use a shorter binary or store path", p, len(p), MaxPatternLen)
	}
	return p, nil
}

// pipePattern is the pipe pattern for opts: with the store pinned by -s,
// unless that does not fit and the config may name the store instead.
func pipePattern(sys Sysctl, opts InstallOptions) (string, error) {
	p, err := BuildPattern(sys, opts.Binary, opts.Config, opts.Store)
	if err != nil && opts.StoreFromConfig && opts.Config != "" {
		p, err = BuildPattern(sys, opts.Binary, opts.Config, "")
	}
	return p, err
}

// PatternOptions extracts the -c and -s options from one of our patterns.
func PatternOptions(pattern string) (config, store string) {
	argv := PipeArgv(pattern)
	if len(argv) < 3 {
		return "", ""
	}
	opts := argv[3:]
	for len(opts) >= 2 {
		switch opts[0] {
		case "-c":
			config = opts[1]
		case "-s":
			store = opts[1]
		default:
			return config, store
		}
		opts = opts[2:]
	}
	return config, store
}

// Install records the current core_pattern, core_pipe_limit and suid_dumpable
// in the store's state file, then points core_pattern at the handler and
// sets core_pipe_limit, reading every value back. suid_dumpable is recorded
// (uninstall checks it) but not changed. On any failure the values already
// written are put back.
func Install(opts InstallOptions) (*InstallResult, error) {
	sys := Sysctl{ProcRoot: opts.ProcRoot}
	if opts.Store == "" {
		opts.Store = DefaultStore
	}
	// The kernel resolves nothing for us: the pattern, the state file and
	// every sidecar name the store by its absolute path.
	if abs, err := filepath.Abs(opts.Store); err == nil {
		opts.Store = abs
	}
	switch {
	case opts.PipeLimit == 0:
		opts.PipeLimit = DefaultPipeLimit
	case opts.PipeLimit == NoPipeLimit:
		opts.PipeLimit = 0
	case opts.PipeLimit < 0:
		return nil, fmt.Errorf("core_pipe_limit %d is negative", opts.PipeLimit)
	}
	if opts.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("locating the quirk binary: %w", err)
		}
		opts.Binary = exe
	}
	current, err := sys.ReadString(KnobCorePattern)
	if err != nil {
		return nil, err
	}
	if IsOurPattern(current) {
		st, _, _ := findState(current, opts.Store)
		if want := modeKind(opts.Mode); want == Kind(current) || want < 0 || st == nil {
			return &InstallResult{AlreadyInstalled: true, Pattern: current, State: st}, nil
		}
		return switchMode(sys, opts, st)
	}
	// A socket pattern (@, @@) is a handler too, e.g. systemd's.
	if Kind(current) != KindFile && !opts.Force {
		return nil, fmt.Errorf("%w (%q); use --force to replace it (it is saved and restored on uninstall)", ErrForeignHandler, current)
	}
	candidates, err := choosePatterns(sys, opts, func() (string, error) { return pipePattern(sys, opts) })
	if err != nil {
		return nil, err
	}
	pattern := candidates[0]
	store := OpenStore(opts.Store)
	if err := store.Ensure(); err != nil {
		return nil, err
	}
	st := &State{
		Version: 1, InstalledAt: time.Now().UTC(), Binary: opts.Binary,
		Pattern: pattern, Store: opts.Store, Config: opts.Config,
	}
	for _, knob := range []string{KnobCorePattern, KnobCorePipeLimit, KnobSuidDumpable} {
		raw, err := sys.Read(knob)
		if err != nil {
			return nil, err
		}
		st.Previous = append(st.Previous, SavedValue{Knob: knob, Value: strings.TrimSuffix(string(raw), "\n"), Raw: raw})
	}
	st.Previous[0].Set = pattern
	st.Previous[1].Set = fmt.Sprint(opts.PipeLimit)
	// A state file left from an install someone else displaced still holds
	// the admin's older values: keep it beside the new one instead of losing it.
	if err := store.setAsideState(); err != nil {
		return nil, err
	}
	// The state goes to disk before the kernel changes, so a crash in
	// between still leaves a way back.
	if err := store.writeState(st); err != nil {
		return nil, fmt.Errorf("saving state: %w", err)
	}
	if err := sys.Write(KnobCorePipeLimit, st.Previous[1].Set); err != nil {
		return nil, errors.Join(err, rollback(sys, st, 1))
	}
	pattern, err = writeFirst(sys, candidates)
	if err != nil {
		return nil, errors.Join(err, rollback(sys, st, 2))
	}
	if pattern != st.Pattern {
		st.Pattern, st.Previous[0].Set = pattern, pattern
		if err := store.writeState(st); err != nil {
			return nil, errors.Join(err, rollback(sys, st, 2))
		}
	}
	return &InstallResult{Pattern: pattern, State: st}, nil
}

// writeFirst writes the first candidate pattern the kernel takes and reads
// back (the order is @@, @, pipe), and returns it.
func writeFirst(sys Sysctl, candidates []string) (string, error) {
	var errs []error
	for _, p := range candidates {
		err := sys.Write(KnobCorePattern, p)
		if err == nil {
			return p, nil
		}
		errs = append(errs, err)
	}
	return "", errors.Join(errs...)
}

// modeKind is the pattern kind a mode asks for; -1 for auto (any of ours).
func modeKind(mode string) PatternKind {
	switch mode {
	case ModeSocket:
		return KindSocket
	case ModeAuto:
		return -1
	}
	return KindPipe
}

// switchMode moves an installed corehook from pipe to socket or back,
// keeping the admin's saved values.
func switchMode(sys Sysctl, opts InstallOptions, st *State) (*InstallResult, error) {
	if opts.Binary == "" {
		opts.Binary = st.Binary
	}
	candidates, err := choosePatterns(sys, opts, func() (string, error) { return pipePattern(sys, opts) })
	if err != nil {
		return nil, err
	}
	old := st.Pattern
	p, err := writeFirst(sys, candidates)
	if err != nil {
		return nil, errors.Join(err, sys.Write(KnobCorePattern, old))
	}
	st.Pattern = p
	for i := range st.Previous {
		if st.Previous[i].Knob == KnobCorePattern {
			st.Previous[i].Set = p
		}
	}
	if err := OpenStore(st.Store).writeState(st); err != nil {
		return nil, errors.Join(err, sys.Write(KnobCorePattern, old))
	}
	return &InstallResult{Pattern: p, State: st}, nil
}

// rollback restores the first n saved knobs (in reverse) and drops the state.
func rollback(sys Sysctl, st *State, n int) error {
	var errs []error
	for i := n - 1; i >= 0; i-- {
		if err := sys.Restore(st.Previous[i].Knob, st.Previous[i].Raw); err != nil {
			errs = append(errs, fmt.Errorf("rollback: %w", err))
		}
	}
	if len(errs) == 0 {
		OpenStore(st.Store).removeState()
	}
	return errors.Join(errs...)
}

// findState looks for the state file without trusting the current config,
// which may have been edited or broken since install: in the store named
// by our live pattern's -s, in hint (the --store flag or the config's
// store), and in the store of the config the pattern names. A state file
// whose pattern is the live one wins; otherwise the first one found. An
// existing but unreadable state file is an error, never "missing".
func findState(current, hint string) (*State, Store, error) {
	var dirs []string
	// A socket pattern names no store: the server's flags or config do,
	// and the caller passes the same as hint.
	pipe := IsOurPattern(current) && Kind(current) == KindPipe
	config, s := "", ""
	if pipe {
		config, s = PatternOptions(current)
	}
	dirs = append(dirs, s, hint)
	if pipe {
		if cfg, _ := LoadConfig(config); cfg.Store != "" {
			dirs = append(dirs, cfg.Store)
		}
	}
	var first *State
	var firstStore Store
	seen := map[string]bool{}
	for _, d := range dirs {
		if d == "" || seen[d] {
			continue
		}
		seen[d] = true
		store := OpenStore(d)
		st, err := store.ReadState()
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, store, err
		}
		if st.Pattern == current {
			return st, store, nil
		}
		if first == nil {
			first, firstStore = st, store
		}
	}
	if first == nil {
		return nil, Store{}, fmt.Errorf("no state file in %s: %w", strings.Join(slices.Sorted(maps.Keys(seen)), ", "), os.ErrNotExist)
	}
	return first, firstStore, nil
}

// KnobStatus compares one knob's live value with the saved and set values.
type KnobStatus struct {
	SavedValue
	Current string `json:"current"`
	// Changed is true when someone else wrote the knob after install.
	Changed bool `json:"changed"`
}

// Status describes the installation.
type Status struct {
	Installed bool         `json:"installed"` // core_pattern is one of ours
	Current   string       `json:"current_pattern"`
	State     *State       `json:"state,omitempty"`
	StateFile string       `json:"state_file,omitempty"` // where State was found
	Knobs     []KnobStatus `json:"knobs,omitempty"`
	// ChangedSinceInstall: a state file exists but a knob we set was
	// rewritten by someone else.
	ChangedSinceInstall bool `json:"changed_since_install"`
	// For a socket pattern: whether "quirk corehook serve" listens on it.
	// ServerDead means the kernel's connection is refused, so every crash
	// is lost until the server is back or uninstall runs.
	Socket     string `json:"socket,omitempty"`
	ServerDead bool   `json:"server_dead,omitempty"`
	// Problems are reasons the installation does not work as installed:
	// a missing handler binary or state file, a config that names another
	// store than the handler uses, no core_pipe_limit.
	Problems []string `json:"problems,omitempty"`
	// Upload is the upload queue, when the config has Upload set.
	Upload *upload.Stats `json:"upload,omitempty"`
	// Storm is crash-storm control's state (filled by the CLI from its config).
	Storm *StormStatus `json:"storm,omitempty"`
}

// GetStatus reads the live knobs and the state file (found through the live
// pattern, else in store).
func GetStatus(procRoot, store string) (*Status, error) {
	sys := Sysctl{ProcRoot: procRoot}
	current, err := sys.ReadString(KnobCorePattern)
	if err != nil {
		return nil, err
	}
	s := &Status{Installed: IsOurPattern(current), Current: current}
	if s.Installed && Kind(current) == KindSocket {
		s.Socket, _ = SocketOf(current)
		listening, err := Listening(procRoot, s.Socket)
		s.ServerDead = err == nil && !listening
	}
	if s.Installed {
		s.Problems = installProblems(sys, current, store)
	}
	st, found, err := findState(current, store)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			if s.Installed {
				s.Problems = append(s.Problems, "the handler is in core_pattern but its state file is missing ("+err.Error()+"): uninstall cannot know the previous values")
			}
			return s, nil
		}
		return s, err
	}
	s.State, s.StateFile = st, found.path(stateFileName)
	for _, v := range st.Previous {
		cur, err := sys.ReadString(v.Knob)
		if err != nil {
			return s, err
		}
		ks := KnobStatus{SavedValue: v, Current: cur}
		want := v.Set
		if want == "" {
			want = v.Value
		}
		ks.Changed = cur != want
		if ks.Changed {
			s.ChangedSinceInstall = true
		}
		s.Knobs = append(s.Knobs, ks)
	}
	return s, nil
}

// installProblems checks what the live pattern relies on.
func installProblems(sys Sysctl, current, store string) []string {
	if Kind(current) != KindPipe {
		return nil // the socket server's health is ServerDead
	}
	var out []string
	argv := PipeArgv(current)
	if fi, err := os.Stat(argv[0]); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		out = append(out, fmt.Sprintf("the handler %s cannot run (%v): every crash is lost", argv[0], errOr(err, "not an executable file")))
	}
	config, s := PatternOptions(current)
	if s != "" && store != "" && filepath.Clean(store) != filepath.Clean(s) {
		out = append(out, fmt.Sprintf("the handler stores in %s (set at install), not in %s: reinstall to move the store", s, store))
	}
	if _, err := LoadConfig(config); err != nil {
		out = append(out, fmt.Sprintf("the handler's config is broken (it uses the defaults for the bad lines): %v", err))
	}
	if n, err := sys.ReadInt(KnobCorePipeLimit); err == nil && n == 0 {
		out = append(out, "core_pipe_limit is 0: the kernel does not wait for the handler, so /proc may be gone before it is read")
	}
	return out
}

func errOr(err error, msg string) string {
	if err != nil {
		return err.Error()
	}
	return msg
}

// UninstallResult lists the knobs written back.
type UninstallResult struct {
	Restored []string
}

// Uninstall restores every saved knob byte for byte. A knob that someone else
// rewrote since install is a conflict: without force it is reported and no
// knob is touched; with force it is overwritten too.
func Uninstall(procRoot, store string, force bool) (*UninstallResult, error) {
	s, err := GetStatus(procRoot, store)
	if err != nil {
		return nil, err
	}
	if s.State == nil {
		if !s.Installed {
			return nil, ErrNotInstalled
		}
		// Our handler is live but its state file is gone (store deleted):
		// nothing says what was there before.
		if !force {
			_, _, err := findState(s.Current, store)
			return nil, fmt.Errorf("%w: the handler is in core_pattern but %v; give --store DIR if the state file is elsewhere, or --force to write the kernel default %q", ErrNotInstalled, err, "core")
		}
		if err := (Sysctl{ProcRoot: procRoot}).Write(KnobCorePattern, "core"); err != nil {
			return nil, err
		}
		return &UninstallResult{Restored: []string{KnobCorePattern + " (kernel default: no saved state)"}}, nil
	}
	if s.ChangedSinceInstall && !force {
		var msgs []string
		for _, k := range s.Knobs {
			if k.Changed {
				msgs = append(msgs, fmt.Sprintf("%s is now %q (install set %q, before it was %q)", k.Knob, k.Current, k.Set, k.Value))
			}
		}
		return nil, fmt.Errorf("%w: %s; nothing restored, use --force to restore anyway", ErrChanged, strings.Join(msgs, "; "))
	}
	sys := Sysctl{ProcRoot: procRoot}
	res := &UninstallResult{}
	var errs []error
	for _, k := range s.Knobs {
		if err := sys.Restore(k.Knob, k.Raw); err != nil {
			errs = append(errs, err)
			continue
		}
		res.Restored = append(res.Restored, k.Knob)
	}
	if len(errs) > 0 {
		return res, errors.Join(errs...)
	}
	if err := os.Remove(s.StateFile); err != nil {
		return res, err
	}
	return res, nil
}
