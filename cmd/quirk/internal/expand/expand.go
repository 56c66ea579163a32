// Package expand is "quirk expand": evaluate a word, a script or Oils spec
// files under real shells and mvdan.cc/sh, and show where they differ. The
// engines and the sandbox are the library package expand.
package expand

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/expand"
)

// Exit codes of "quirk expand", in the terms of base's table.
const (
	ExitAgree  = base.ExitOK       // every engine agrees (spec: no new divergence)
	ExitDiffer = base.ExitFindings // engines differ (spec: a divergence not in the manifest)
	ExitError  = base.ExitFailure  // sandbox or engine error, or an unusable operand
)

// Usage is the one-line synopsis.
const Usage = "expand [flags] WORD [-- ARG ...] | --script FILE | --spec PATH"

// Command is "quirk expand".
var Command = &base.Command{
	Name:      "expand",
	UsageLine: Usage,
	Short:     "evaluate a word, script or Oils spec file under real shells and mvdan.cc/sh, and compare",
	Run:       Main,
}

const help = `Usage:
  quirk expand [flags] 'WORD' [-- ARG ...]
  quirk expand [flags] --script FILE [-- ARG ...]
  quirk expand [flags] --spec PATH

Evaluates WORD as the arguments of a printing command, with $0 and the
positional parameters set, under real shells and mvdan.cc/sh, and prints
each engine's fields as <field>. With --script, runs the whole file and
compares stdout and exit status. With --spec, runs Oils-format spec files
(a file or a directory of *.test.sh) and judges each case.

Every engine, mvdan included, runs in the same sandbox: bubblewrap
namespaces over a minimal read-only root, a seccomp filter, Landlock
scopes, one cgroup capping memory and processes, uid 65534 as root, an
empty environment and a fresh directory. --require-sandbox (default under
CI=true) refuses to run when the machine lacks a layer. Words that plainly
run commands ($(...), backquotes, <(...), eval) are refused unless
--allow-exec is given; that refusal is advisory, the sandbox is the
guarantee.

`

// Main runs "quirk expand" with inv.Args (after the subcommand name).
func Main(ctx context.Context, inv *base.Invocation) int {
	stdout, stderr := inv.Stdout, inv.Stderr
	fs := flag.NewFlagSet("quirk expand", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), help)
		fmt.Fprint(fs.Output(), base.ExitStatusHelp("the engines differ (--spec: a divergence not in the manifest)"))
		fmt.Fprint(fs.Output(), "\nFlags:\n")
		fs.PrintDefaults()
	}
	var (
		shells    = fs.String("shells", "", "comma-separated engines (default: every installed one of "+strings.Join(expand.Engines(), ",")+")")
		asJSON    = fs.Bool("json", false, "print JSON instead of a table")
		arg0      = fs.String("arg0", expand.DefaultArg0, "value of $0")
		setup     = fs.String("setup", "", "shell code run before the word in the same shell, e.g. 'IFS=,'")
		word      = fs.String("word", "", "the word (instead of the positional WORD, e.g. when it starts with -)")
		allowExec = fs.Bool("allow-exec", false, "allow command and process substitution and commands named by path")
		script    = fs.String("script", "", "run this script file under every engine")
		specPath  = fs.String("spec", "", "run Oils spec files: a *.test.sh file or a directory of them")
		timeout   = fs.Duration("timeout", 10*time.Second, "wall-clock budget of each shell process")
		files     = fs.String("files", "", "comma-separated names of empty files created in the working directory (for globs)")
		verbose   = fs.Bool("v", false, "show go-cmp diffs, sandbox notes and stderr in full")
		cmpStderr = fs.Bool("compare-stderr", false, "with --script, stderr must match too (messages usually name the shell)")
		require   = fs.Bool("require-sandbox", os.Getenv("CI") == "true", "refuse to run when a sandbox layer is missing on this machine (default true when CI=true)")
	)
	positional, posArgs, code, ok := inv.Parse(fs, inv.Args)
	if !ok {
		return code
	}
	if posArgs == nil {
		posArgs = []string{}
	}
	usageErr := func(format string, a ...any) int {
		inv.Errorf(format, a...)
		fmt.Fprintf(stderr, "usage: quirk %s\n", Usage)
		return base.ExitBadSyntax
	}
	modes := 0
	for _, set := range []bool{*script != "", *specPath != "", *word != "" || len(positional) > 0} {
		if set {
			modes++
		}
	}
	if modes != 1 {
		return usageErr("give exactly one of WORD, --script FILE or --spec PATH")
	}
	if *word != "" && len(positional) > 0 || len(positional) > 1 {
		return usageErr("one word at a time (quote it: quirk expand '\"$@\"' -- a b); arguments go after --")
	}
	if *word == "" && len(positional) == 1 {
		*word = positional[0]
	}
	if *timeout < 0 {
		inv.Errorf("--timeout %s: must not be negative", *timeout)
		return base.ExitBadOptions
	}
	opts := expand.Options{AllowExec: *allowExec, Timeout: *timeout, RequireSandbox: *require}
	if *files != "" {
		opts.Files = strings.Split(*files, ",")
	}
	engines, notes, err := pickEngines(*shells)
	if err != nil {
		inv.Errorf("%v", err)
		// A name quirk does not know is a bad option value; a known shell
		// that is not installed is this machine's failure.
		if errors.Is(err, expand.ErrUnknownEngine) {
			return base.ExitBadOptions
		}
		return ExitError
	}
	out := &runner{stdout: stdout, stderr: stderr, json: *asJSON, verbose: *verbose, notes: notes}
	switch {
	case *specPath != "":
		if len(posArgs) > 0 {
			return usageErr("--spec takes no arguments after --")
		}
		return out.spec(ctx, *specPath, engines, opts)
	case *script != "":
		src, err := os.ReadFile(*script)
		if err != nil {
			inv.Errorf("%v", err)
			return ExitError
		}
		return out.script(ctx, string(src), *arg0, posArgs, engines, opts, expand.CompareMode{ExactStatus: true, Stderr: *cmpStderr})
	default:
		return out.word(ctx, expand.WordCase{Setup: *setup, Word: *word, Arg0: *arg0, Args: posArgs}, engines, opts)
	}
}

// pickEngines resolves --shells. Without it every installed engine runs,
// and the missing ones are mentioned; a named but missing shell is an error.
func pickEngines(list string) (engines, notes []string, err error) {
	if list == "" {
		for _, e := range expand.Engines() {
			if err := expand.HaveEngine(e, ""); err != nil {
				notes = append(notes, fmt.Sprintf("%s skipped: %v", e, err))
				continue
			}
			engines = append(engines, e)
		}
		return engines, notes, nil
	}
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimSpace(e)
		if e == "" || slices.Contains(engines, e) {
			continue
		}
		if err := expand.HaveEngine(e, ""); err != nil {
			return nil, nil, err
		}
		engines = append(engines, e)
	}
	if len(engines) == 0 {
		return nil, nil, fmt.Errorf("--shells: no engine named")
	}
	return engines, nil, nil
}

type runner struct {
	stdout, stderr io.Writer
	json, verbose  bool
	notes          []string
}

// jsonResult is one engine's result in --json output. Fields is null when
// the printing command never ran (an expansion or syntax error).
//
// JSON strings are UTF-8: a field, stdout or stderr holding other bytes is
// written with U+FFFD in their place, so the exact bytes are also given,
// base64-encoded, in fields_base64 / stdout_base64 / stderr_base64 (only
// when some value is not valid UTF-8).
type jsonResult struct {
	Engine       string   `json:"engine"`
	Path         string   `json:"path"`
	Version      string   `json:"version"`
	Fields       []string `json:"fields"`
	FieldsBase64 []string `json:"fields_base64,omitempty"`
	Status       int      `json:"status"`
	Stdout       string   `json:"stdout,omitempty"`
	StdoutBase64 string   `json:"stdout_base64,omitempty"`
	Stderr       string   `json:"stderr"`
	StderrBase64 string   `json:"stderr_base64,omitempty"`
	Error        string   `json:"error,omitempty"`
	Notes        []string `json:"notes,omitempty"`
}

func toJSON(r expand.Result) jsonResult {
	j := jsonResult{Engine: r.Engine, Path: r.Path, Version: r.Version, Fields: r.Fields, Status: r.Status, Stdout: r.Stdout, Stderr: r.Stderr, Notes: r.Notes}
	if r.Err != nil {
		j.Error = r.Err.Error()
	}
	if !slices.ContainsFunc(r.Fields, func(f string) bool { return !utf8.ValidString(f) }) {
		j.FieldsBase64 = nil
	} else {
		for _, f := range r.Fields {
			j.FieldsBase64 = append(j.FieldsBase64, base64.StdEncoding.EncodeToString([]byte(f)))
		}
	}
	if !utf8.ValidString(r.Stdout) {
		j.StdoutBase64 = base64.StdEncoding.EncodeToString([]byte(r.Stdout))
	}
	if !utf8.ValidString(r.Stderr) {
		j.StderrBase64 = base64.StdEncoding.EncodeToString([]byte(r.Stderr))
	}
	return j
}

// evalAll runs one case under every engine; an engine-level error is
// reported and ends the command with status 2, and so does a case the
// library refuses to run (a command without --allow-exec, a NUL byte):
// the refusal is the same for every engine, so it is said once. So does
// an interrupt (SIGINT, SIGTERM): the engine that was running is killed
// and its sandbox removed by expand, and no half table is printed.
//
// The engines run side by side, as many at a time as there are cores
// (each in a sandbox of its own, so the memory they may hold together is
// what a batch of many cases may hold too): one sandbox start after the
// other made the default seven-engine call several times slower.
func (o *runner) evalAll(ctx context.Context, engines []string, eval func(engine string) (expand.Result, error)) ([]expand.Result, bool) {
	results := make([]expand.Result, len(engines))
	errs := make([]error, len(engines))
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			results[i], errs[i] = eval(e)
		})
	}
	wg.Wait()
	if base.Interrupted(ctx) {
		fmt.Fprintf(o.stderr, "quirk expand: interrupted\n")
		return nil, false
	}
	for i := range engines {
		if errs[i] != nil {
			fmt.Fprintf(o.stderr, "quirk expand: %v\n", errs[i])
			return nil, false
		}
		if r := results[i]; errors.Is(r.Err, expand.ErrExecRefused) || errors.Is(r.Err, expand.ErrNUL) {
			fmt.Fprintf(o.stderr, "quirk expand: %v\n", r.Err)
			return nil, false
		}
	}
	return results, true
}

func (o *runner) verdict(results []expand.Result, cmp expand.Comparison, mode expand.CompareMode) {
	if cmp.Agree {
		fmt.Fprintf(o.stdout, "all %d engines agree\n", len(results))
	} else {
		var groups []string
		seen := map[int]bool{}
		for i := range results {
			if seen[i] {
				continue
			}
			group := []string{results[i].Engine}
			for j := i + 1; j < len(results); j++ {
				if !seen[j] && expand.Compare([]expand.Result{results[i], results[j]}, mode).Agree {
					seen[j] = true
					group = append(group, results[j].Engine)
				}
			}
			groups = append(groups, strings.Join(group, " "))
		}
		fmt.Fprintf(o.stdout, "engines differ: %d outcomes: %s\n", len(groups), strings.Join(groups, " | "))
		if o.verbose {
			fmt.Fprint(o.stdout, cmp.Diff)
		}
	}
	if o.verbose && len(results) > 0 {
		for _, r := range results {
			if r.Stderr != "" {
				fmt.Fprintf(o.stdout, "%s stderr: %s", r.Engine, r.Stderr)
			}
		}
		for _, r := range results {
			if len(r.Notes) > 0 {
				o.notes = append(o.notes, r.Notes...)
				break
			}
		}
	}
	o.printNotes()
}

func (o *runner) printNotes() {
	for _, n := range slices.Compact(o.notes) {
		fmt.Fprintf(o.stderr, "note: %s\n", n)
	}
}

func (o *runner) writeJSON(v any) {
	if err := base.WriteJSON(o.stdout, v); err != nil {
		fmt.Fprintf(o.stderr, "quirk expand: %v\n", err)
	}
}

func anyFailed(results []expand.Result) bool {
	return slices.ContainsFunc(results, func(r expand.Result) bool { return r.Err != nil })
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func fieldList(args []string) string {
	if len(args) == 0 {
		return "(none)"
	}
	return expand.FieldString(expand.Result{Fields: args})
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
