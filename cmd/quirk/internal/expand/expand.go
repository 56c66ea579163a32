// Package expand is "quirk expand": evaluate a word, a script or Oils spec
// files under real shells and mvdan.cc/sh, and show where they differ. The
// engines and the sandbox are the library package expand.
package expand

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/expand"
	"github.com/quirkcheck/quirk/expand/spec"
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

Shells run sandboxed: empty environment, PATH limited to helpers, a fresh
temporary directory, resource limits, an unprivileged user and Landlock and
namespaces where the machine allows. Words that run commands ($(...),
backquotes, <(...)) are refused unless --allow-exec is given.

Exit status: 0 all engines agree, 1 they differ, 2 sandbox or engine error,
3 bad command line, 4 bad option value.

Flags:
`

// Main runs "quirk expand" with inv.Args (after the subcommand name).
func Main(ctx context.Context, inv *base.Invocation) int {
	stdout, stderr := inv.Stdout, inv.Stderr
	fs := flag.NewFlagSet("quirk expand", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), help)
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
	opts := expand.Options{AllowExec: *allowExec, Timeout: *timeout}
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
	if !*allowExec {
		src := *setup + "\n__quirk_emit " + *word
		if *script != "" {
			data, err := os.ReadFile(*script)
			if err != nil {
				inv.Errorf("%v", err)
				return ExitError
			}
			src = string(data)
		}
		if *specPath == "" {
			if err := expand.CheckNoExec(src); err != nil {
				inv.Errorf("%v", err)
				return ExitError
			}
		}
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
			if _, err := expand.FindEngine(e, ""); err != nil {
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
		if _, err := expand.FindEngine(e, ""); err != nil {
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
type jsonResult struct {
	Engine  string   `json:"engine"`
	Path    string   `json:"path"`
	Version string   `json:"version"`
	Fields  []string `json:"fields"`
	Status  int      `json:"status"`
	Stdout  string   `json:"stdout,omitempty"`
	Stderr  string   `json:"stderr"`
	Error   string   `json:"error,omitempty"`
	Notes   []string `json:"notes,omitempty"`
}

func toJSON(r expand.Result) jsonResult {
	j := jsonResult{Engine: r.Engine, Path: r.Path, Version: r.Version, Fields: r.Fields, Status: r.Status, Stdout: r.Stdout, Stderr: r.Stderr, Notes: r.Notes}
	if r.Err != nil {
		j.Error = r.Err.Error()
	}
	return j
}

// evalAll runs one case under every engine; an engine-level error is
// reported and ends the command with status 2.
func (o *runner) evalAll(ctx context.Context, engines []string, eval func(engine string) (expand.Result, error)) ([]expand.Result, bool) {
	var results []expand.Result
	for _, e := range engines {
		r, err := eval(e)
		if err != nil {
			fmt.Fprintf(o.stderr, "quirk expand: %v\n", err)
			return nil, false
		}
		results = append(results, r)
	}
	return results, true
}

func (o *runner) word(ctx context.Context, c expand.WordCase, engines []string, opts expand.Options) int {
	results, ok := o.evalAll(ctx, engines, func(e string) (expand.Result, error) {
		rs, err := expand.EvalWords(ctx, e, []expand.WordCase{c}, opts)
		if err != nil {
			return expand.Result{}, err
		}
		return rs[0], nil
	})
	if !ok {
		return ExitError
	}
	cmp := expand.Compare(results, expand.CompareMode{})
	if o.json {
		doc := struct {
			Word    string       `json:"word"`
			Setup   string       `json:"setup,omitempty"`
			Arg0    string       `json:"arg0"`
			Args    []string     `json:"args"`
			Results []jsonResult `json:"results"`
			Agree   bool         `json:"agree"`
			Differ  []string     `json:"differ,omitempty"`
		}{Word: c.Word, Setup: c.Setup, Arg0: c.Arg0, Args: orEmpty(c.Args), Agree: cmp.Agree, Differ: cmp.Differ}
		for _, r := range results {
			doc.Results = append(doc.Results, toJSON(r))
		}
		o.writeJSON(doc)
	} else {
		fmt.Fprintf(o.stdout, "word %s   $0 <%s>   args %s\n", c.Word, c.Arg0, fieldList(c.Args))
		if c.Setup != "" {
			fmt.Fprintf(o.stdout, "setup %s\n", c.Setup)
		}
		tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "engine\tstatus\tfields\tversion")
		for _, r := range results {
			fields := expand.FieldString(r)
			if r.Err == nil && r.Fields == nil {
				fields = "(error) " + firstLine(r.Stderr)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", r.Engine, r.Status, fields, r.Version)
		}
		tw.Flush()
		o.verdict(results, cmp, expand.CompareMode{})
	}
	if anyFailed(results) {
		return ExitError
	}
	if !cmp.Agree {
		return ExitDiffer
	}
	return ExitAgree
}

func (o *runner) script(ctx context.Context, src, arg0 string, args, engines []string, opts expand.Options, mode expand.CompareMode) int {
	sc := expand.ScriptCase{Script: src, Arg0: arg0, Args: args}
	results, ok := o.evalAll(ctx, engines, func(e string) (expand.Result, error) {
		rs, err := expand.EvalScripts(ctx, e, []expand.ScriptCase{sc}, opts)
		if err != nil {
			return expand.Result{}, err
		}
		return rs[0], nil
	})
	if !ok {
		return ExitError
	}
	cmp := expand.Compare(results, mode)
	if o.json {
		doc := struct {
			Arg0    string       `json:"arg0"`
			Args    []string     `json:"args"`
			Results []jsonResult `json:"results"`
			Agree   bool         `json:"agree"`
			Differ  []string     `json:"differ,omitempty"`
		}{Arg0: arg0, Args: orEmpty(args), Agree: cmp.Agree, Differ: cmp.Differ}
		for _, r := range results {
			doc.Results = append(doc.Results, toJSON(r))
		}
		o.writeJSON(doc)
	} else {
		tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "engine\tstatus\tstdout\tstderr")
		for _, r := range results {
			outText := fmt.Sprintf("%q", r.Stdout)
			if r.Err != nil {
				outText = "(failed: " + r.Err.Error() + ")"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", r.Engine, r.Status, clip(outText, 60), clip(firstLine(r.Stderr), 60))
		}
		tw.Flush()
		o.verdict(results, cmp, mode)
	}
	if anyFailed(results) {
		return ExitError
	}
	if !cmp.Agree {
		return ExitDiffer
	}
	return ExitAgree
}

func (o *runner) spec(ctx context.Context, path string, engines []string, opts expand.Options) int {
	var paths []string
	if st, err := os.Stat(path); err != nil {
		fmt.Fprintf(o.stderr, "quirk expand: %v\n", err)
		return ExitError
	} else if st.IsDir() {
		paths, _ = filepath.Glob(filepath.Join(path, "*.test.sh"))
		if len(paths) == 0 {
			fmt.Fprintf(o.stderr, "quirk expand: no *.test.sh files in %s\n", path)
			return ExitError
		}
	} else {
		paths = []string{path}
	}
	var files []*spec.File
	for _, p := range paths {
		f, err := spec.ParseFile(p)
		if err != nil {
			fmt.Fprintf(o.stderr, "quirk expand: %v\n", err)
			return ExitError
		}
		files = append(files, f)
	}
	rep, err := spec.Run(ctx, files, engines, opts)
	if err != nil {
		fmt.Fprintf(o.stderr, "quirk expand: %v\n", err)
		return ExitError
	}
	unexpected, _ := rep.Check(spec.DefaultKnown())
	if o.json {
		o.writeJSON(struct {
			*spec.Report
			Unexpected []spec.Divergence `json:"unexpected_divergences"`
		}{rep, unexpected})
	} else {
		spec.WriteCases(o.stdout, rep)
		fmt.Fprintln(o.stdout)
		spec.WriteSummary(o.stdout, rep)
		if len(unexpected) > 0 {
			fmt.Fprintf(o.stdout, "%d divergences not in the manifest (expand/spec/known-divergences.txt):\n", len(unexpected))
			for _, d := range unexpected {
				fmt.Fprintf(o.stdout, "  %s\n", d)
			}
		}
		o.printNotes()
	}
	if len(unexpected) > 0 {
		return ExitDiffer
	}
	return ExitAgree
}

// verdict prints which engines agree, grouped by outcome.
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
