// Package check is "quirk check": flags in ShellCheck's spelling, a
// parallel directory walk, and ShellCheck's exit codes (see package base).
package check

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"github.com/quirkcheck/quirk/shellcheck/confirm"
	"github.com/quirkcheck/quirk/shellcheck/format"
	"github.com/quirkcheck/quirk/shellcheck/withshellcheck"
)

// Command is "quirk check".
var Command = &base.Command{
	Name:      "check",
	UsageLine: "check [flags] FILE|DIR|- ...",
	Short:     "check shell scripts for positional-parameter surprises",
	Run:       Main,
}

// listFlag collects repeated, comma-separated values (-e A -e B,C).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// colorFlag accepts --color, --color=always|never|auto (and -C).
type colorFlag struct{ value string }

func (c *colorFlag) String() string   { return c.value }
func (c *colorFlag) IsBoolFlag() bool { return true }
func (c *colorFlag) Set(v string) error {
	switch v {
	case "true":
		v = "always"
	case "false":
		v = "never"
	}
	if v != "auto" && v != "always" && v != "never" {
		return fmt.Errorf("want auto, always or never")
	}
	c.value = v
	return nil
}

type checkFlags struct {
	format, shell, severity, targetBash string
	json                                bool
	include, exclude, sourcePaths       listFlag
	enable                              listFlag
	color                               colorFlag
	externalSources, checkSourced       bool
	norc, confirm, version, listChecks  bool
	withShellCheck                      bool
	listOptional                        bool
	rcfile, extendedAnalysis            string
	wikiLinks, jobs                     int
}

func newFlagSet() (*flag.FlagSet, *checkFlags) {
	f := &checkFlags{color: colorFlag{"auto"}}
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	for _, name := range []string{"f", "format"} {
		fs.StringVar(&f.format, name, "tty", "output `format`: "+strings.Join(format.Names, ", "))
	}
	fs.BoolVar(&f.json, "json", false, "JSON output: the same as -f json1")
	for _, name := range []string{"s", "shell"} {
		fs.StringVar(&f.shell, name, "", "`dialect` for scripts that do not say: bash, sh, dash, ash, ksh, mksh, zsh")
	}
	for _, name := range []string{"S", "severity"} {
		fs.StringVar(&f.severity, name, "", "minimum `level` to report: error, warning, info, style")
	}
	for _, name := range []string{"e", "exclude"} {
		fs.Var(&f.exclude, name, "do not report these `checks` (IDs or names, comma-separated)")
	}
	for _, name := range []string{"i", "include"} {
		fs.Var(&f.include, name, "report only these `checks`")
	}
	for _, name := range []string{"x", "external-sources"} {
		fs.BoolVar(&f.externalSources, name, false, "accepted for ShellCheck compatibility (quirk checks each file on its own)")
	}
	for _, name := range []string{"P", "source-path"} {
		fs.Var(&f.sourcePaths, name, "accepted for ShellCheck compatibility")
	}
	for _, name := range []string{"a", "check-sourced"} {
		fs.BoolVar(&f.checkSourced, name, false, "accepted for ShellCheck compatibility")
	}
	for _, name := range []string{"W", "wiki-link-count"} {
		fs.IntVar(&f.wikiLinks, name, 3, "accepted for ShellCheck compatibility")
	}
	for _, name := range []string{"C", "color"} {
		fs.Var(&f.color, name, "colour the tty output: auto, always or never")
	}
	for _, name := range []string{"V", "version"} {
		fs.BoolVar(&f.version, name, false, "print the version")
	}
	for _, name := range []string{"o", "enable"} {
		fs.Var(&f.enable, name, "accepted for ShellCheck compatibility (quirk has no optional checks; every check is on)")
	}
	fs.BoolVar(&f.listOptional, "list-optional", false, "list optional checks (quirk has none) and exit")
	fs.StringVar(&f.rcfile, "rcfile", "", "read ShellCheck directives (disable=, shell=) from this `file`, as ShellCheck's --rcfile; .quirkrc files still apply")
	fs.StringVar(&f.extendedAnalysis, "extended-analysis", "", "accepted for ShellCheck compatibility")
	fs.BoolVar(&f.norc, "norc", false, "ignore .quirkrc files")
	fs.BoolVar(&f.withShellCheck, "with-shellcheck", false, "also run the real ShellCheck (when installed) and merge its findings, with its SC codes; a ShellCheck finding that repeats a quirk one is shown once, naming both codes")
	fs.StringVar(&f.targetBash, "target-bash", "", "oldest bash `version` the scripts must run on, e.g. 3.2 (enables QK5010)")
	fs.BoolVar(&f.confirm, "confirm", false, "prove each finding by running its expression in real bash; drop findings the shell does not confirm")
	fs.BoolVar(&f.listChecks, "list-checks", false, "list the checks and exit")
	fs.IntVar(&f.jobs, "j", runtime.GOMAXPROCS(0), "files to check in parallel")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: quirk check [flags] FILE|DIR|- ...\n\n"+
			"Checks shell scripts for positional-parameter surprises. Directories are\n"+
			"walked for scripts (by extension and shebang); - reads standard input.\n\n"+
			"ShellCheck's command line works as is: attached and bundled short options\n"+
			"(-fgcc, -Calways, -xa, -W0), -e 2034 or SC2034 (ShellCheck codes; 5001 and\n"+
			"up are quirk's), SHELLCHECK_OPTS (when run as shellcheck or without a\n"+
			"command). Accepted and ignored: -a, -x, -P, -W, -o/--enable,\n"+
			"--extended-analysis.\n\n"+base.ExitStatusHelp("findings")+"\nFlags:\n")
		fs.PrintDefaults()
	}
	return fs, f
}

// Main runs "quirk check" and returns its exit code.
func Main(ctx context.Context, inv *base.Invocation) int {
	stdin, stdout, stderr := inv.Stdin, inv.Stdout, inv.Stderr
	version := base.Version()
	fs, f := newFlagSet()
	files, dashed, code, ok := inv.Parse(fs, expandShortOptions(fs, inv.Args))
	if !ok {
		return code
	}
	files = append(files, dashed...)
	if f.version {
		fmt.Fprint(stdout, ShellCheckVersion())
		return base.ExitOK
	}
	if f.listOptional {
		return base.ExitOK // ShellCheck lists its off-by-default checks; quirk has none
	}
	if f.listChecks {
		for _, a := range shellcheck.Registry() {
			fmt.Fprintf(stdout, "%s  %-40s %-8s %s\n", a.ID, a.Name, a.Severity, a.Title())
		}
		return base.ExitOK
	}
	if f.json {
		formatSet := false
		fs.Visit(func(fl *flag.Flag) { formatSet = formatSet || fl.Name == "f" || fl.Name == "format" })
		if formatSet && f.format != "json1" {
			inv.Errorf("--json is -f json1; it cannot be combined with -f %s", f.format)
			return base.ExitBadOptions
		}
		f.format = "json1"
	}
	opts, err := baseOptions(f)
	if err != nil {
		inv.Errorf("%v", err)
		return base.ExitBadOptions
	}
	if len(files) == 0 {
		return inv.UsageError("no files given (use - for standard input)")
	}

	var failed atomic.Bool
	var failMu sync.Mutex
	var failures []format.Failure // for SARIF's tool execution notifications
	fail := func(file, msg string) {
		failed.Store(true)
		inv.Errorf("%s", msg)
		failMu.Lock()
		failures = append(failures, format.Failure{Filename: file, Message: msg})
		failMu.Unlock()
	}
	var jobs []string
	for _, name := range files {
		if name == "-" {
			jobs = append(jobs, name)
			continue
		}
		info, err := os.Stat(name)
		switch {
		case err != nil:
			fail(name, describeOpenError(name, err))
		case info.IsDir():
			jobs = append(jobs, shellcheck.WalkScripts(name, func(path string, err error) {
				fail(path, describeOpenError(path, err))
			})...)
		default:
			jobs = append(jobs, name)
		}
	}

	base.TuneGC()
	var withSC *withshellcheck.Runner
	if f.withShellCheck {
		withSC = &withshellcheck.Runner{}
		if _, err := withSC.Available(); err != nil {
			// Not fatal: an editor may pass the flag on every machine.
			inv.Errorf("--with-shellcheck: %v; showing quirk's findings only", err)
			withSC = nil
		}
	}
	results := make([]*shellcheck.Result, len(jobs))
	errs := make([]error, len(jobs))
	loader := &shellcheck.ConfigLoader{}
	progress := newProgress(stderr, len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(f.jobs, len(jobs))) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) || ctx.Err() != nil {
					return
				}
				results[i], errs[i] = checkOne(ctx, jobs[i], stdin, loader, f, opts)
				if errs[i] == nil && withSC != nil {
					if err := withSC.Merge(ctx, results[i]); err != nil {
						fail(jobs[i], fmt.Sprintf("%s: --with-shellcheck: %v", jobs[i], err))
					}
				}
				progress.tick()
			}
		})
	}
	wg.Wait()
	progress.done()
	// An interrupt (SIGINT, SIGTERM) stops the walk, and --confirm's
	// shells; what was checked is not reported, as it would look complete.
	if base.Interrupted(ctx) {
		inv.Errorf("interrupted")
		return base.ExitFailure
	}

	var good []*shellcheck.Result
	for i, r := range results {
		if errs[i] != nil {
			fail(jobs[i], errs[i].Error())
			continue
		}
		good = append(good, r)
	}
	if f.confirm {
		for _, r := range good {
			if err := confirm.Result(ctx, r); base.Interrupted(ctx) {
				inv.Errorf("interrupted")
				return base.ExitFailure
			} else if err != nil {
				fail(r.Filename, fmt.Sprintf("%s: --confirm: %v", r.Filename, err))
			}
		}
	}
	color := f.color.value == "always" || f.color.value == "auto" && isTerminal(stdout)
	if err := format.Write(stdout, f.format, good, format.Options{Color: color, Version: version, SemanticVersion: semanticVersion(), Failures: failures, ShellCheckCodes: ctx.Value(shellCheckMode{}) != nil}); err != nil {
		if errors.Is(err, format.ErrNothingFixable) {
			fmt.Fprintf(stderr, "Issues were detected, but none were auto-fixable. Use another format to see them.\n")
		} else {
			fail("", err.Error())
		}
	}
	code = base.ExitOK
	for _, r := range good {
		if len(r.Diagnostics) > 0 {
			code = base.ExitFindings
		}
	}
	if failed.Load() {
		code = base.ExitFailure
	}
	return code
}

// baseOptions turns the flags into check options, validating every value so
// that a typo is exit 4 before any file is read.
func baseOptions(f *checkFlags) (shellcheck.Options, error) {
	var opts shellcheck.Options
	var err error
	if !format.Known(f.format) {
		return opts, fmt.Errorf("unknown format %q (want %s)", f.format, strings.Join(format.Names, ", "))
	}
	if f.shell != "" {
		if opts.Dialect, err = analysis.ParseDialect(f.shell); err != nil {
			return opts, err
		}
	}
	if f.severity != "" {
		if opts.MinSeverity, err = analysis.ParseSeverity(f.severity); err != nil {
			return opts, err
		}
	}
	if f.targetBash != "" {
		if opts.TargetBash, err = shellcheck.ParseBashVersion(f.targetBash); err != nil {
			return opts, err
		}
	}
	for _, code := range shellCheckNumbers(slices.Concat(f.include, f.exclude)) {
		// ShellCheck's own codes may be passed through unchanged by
		// wrappers such as bash-language-server; they select nothing here.
		if shellcheck.Lookup(code) == nil && !strings.HasPrefix(strings.ToUpper(code), "SC") {
			return opts, fmt.Errorf("unknown check %q (see quirk check --list-checks)", code)
		}
	}
	opts.Include, opts.Exclude = shellCheckNumbers(f.include), shellCheckNumbers(f.exclude)
	if f.rcfile != "" {
		rc, err := readShellCheckRC(f.rcfile)
		if err != nil {
			return opts, err
		}
		opts.Exclude = append(opts.Exclude, rc.exclude...)
		if opts.Dialect == analysis.Unknown {
			opts.Dialect = rc.shell
		}
	}
	return opts, nil
}

func checkOne(ctx context.Context, name string, stdin io.Reader, loader *shellcheck.ConfigLoader, f *checkFlags, defaults shellcheck.Options) (*shellcheck.Result, error) {
	var src []byte
	var err error
	if name == "-" {
		src, err = readStdin(ctx, stdin)
		if err != nil {
			return nil, fmt.Errorf("-: reading standard input: %v", err)
		}
	} else {
		src, err = readFile(name)
		if err != nil {
			return nil, err
		}
	}
	opts := defaults
	if !f.norc {
		dir := name
		if name == "-" {
			dir = "./-"
		}
		cfg, err := loader.ForFile(dir)
		if err != nil {
			return nil, err
		}
		opts = cfg.Apply(opts, name, src)
	}
	return shellcheck.Check(name, src, opts)
}

func readFile(name string) ([]byte, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, errors.New(describeOpenError(name, err))
	}
	defer fh.Close()
	src, err := io.ReadAll(io.LimitReader(fh, shellcheck.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading: %v", name, err)
	}
	return src, nil
}

func describeOpenError(name string, err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return name + ": no such file or directory"
	case errors.Is(err, os.ErrPermission):
		return name + ": permission denied"
	}
	return fmt.Sprintf("%s: %v", name, unwrapPath(err))
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// progress prints "checked N/M files" on a terminal's stderr during long
// walks, at most ten times a second, and erases it at the end.
type progress struct {
	w        io.Writer
	total    int
	count    atomic.Int64
	mu       sync.Mutex
	last     time.Time
	shown    bool
	disabled bool
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, total: total, disabled: total < 20 || !isTerminal(w)}
}

func (p *progress) tick() {
	n := p.count.Add(1)
	if p.disabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.shown = true
	fmt.Fprintf(p.w, "\rquirk: checked %d/%d files", n, p.total)
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprintf(p.w, "\r\x1b[K")
	}
}

// readStdin reads standard input, or gives up when ctx ends: a pipe that
// never closes must not keep an interrupted quirk alive (the reader is
// left behind; the process is about to exit).
func readStdin(ctx context.Context, stdin io.Reader) ([]byte, error) {
	type read struct {
		b   []byte
		err error
	}
	done := make(chan read, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(stdin, shellcheck.MaxSize+1))
		done <- read{b, err}
	}()
	select {
	case r := <-done:
		return r.b, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
