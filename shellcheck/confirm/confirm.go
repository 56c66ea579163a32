// Package confirm proves the checker's findings on real shells ("quirk check
// --confirm"). Each rule carries its own analysis.Probe: the cases to
// evaluate and what outcome bears a finding out. This package runs those
// cases in bash (dash for POSIX scripts), in bash again as the oracle, and
// in mvdan.cc/sh, all inside expand's sandbox, and judges each finding with
// its rule's probe: a finding that a shell bears out keeps its evidence, one
// that no shell bears out is dropped, and one that cannot be evaluated
// safely is kept with the reason. Where mvdan.cc/sh and the real shell
// disagree, the real shell is trusted and the evidence says so.
//
// The script's own data is never evaluated as code (see checkSafe), and
// nothing runs on a machine where expand's sandbox lacks a layer.
package confirm

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/quirkcheck/quirk/expand"
	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// safeNameChars are what a file name may hold to be passed on as $0.
const safeNameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-"

// globFiles exist in the sandbox's working directory so that an unquoted
// "*" visibly expands.
var globFiles = []string{"file1", "file2"}

// evaluation is one probe case of one finding, with the indexes of its word
// and its contrast among the cases sent to the shells.
type evaluation struct {
	diag           int
	c              analysis.Case
	word, contrast int // contrast is -1 without one
}

// Result confirms the findings of res in place. A diagnostic whose rule has
// no probe is kept as it is.
func Result(ctx context.Context, res *shellcheck.Result) error {
	arg0 := filepath.Base(res.Filename)
	if res.Filename == "-" || strings.Trim(arg0, safeNameChars) != "" {
		// $0 is the file's name, which the script's author chose: only a
		// plain name reaches a shell (checkSafe also keeps $0 out of
		// arithmetic and indirection).
		arg0 = "script"
	}
	engine := "bash"
	if res.Dialect == analysis.Sh {
		engine = "dash"
	}
	var evals []evaluation
	var cases []expand.WordCase
	add := func(c analysis.Case, word string) int {
		cases = append(cases, expand.WordCase{Setup: c.Setup, Word: word, Arg0: arg0, Args: c.Args})
		return len(cases) - 1
	}
	for i := range res.Diagnostics {
		d := &res.Diagnostics[i]
		if d.Analyzer == nil || d.Analyzer.Probe == nil {
			continue
		}
		cs, err := probeCases(d)
		if err != nil {
			d.Unconfirmed = err.Error()
			continue
		}
		for _, c := range cs {
			e := evaluation{diag: i, c: c, word: add(c, c.Word), contrast: -1}
			if c.Contrast != "" {
				e.contrast = add(c, c.Contrast)
			}
			evals = append(evals, e)
		}
	}
	if len(evals) == 0 {
		return nil
	}
	// The script is someone else's: run nothing unless every layer of the
	// sandbox is there (ErrSandboxIncomplete otherwise, before any shell
	// starts), and never let a case run commands.
	opts := expand.Options{Files: globFiles, RequireSandbox: true}
	real, err := expand.EvalWords(ctx, engine, cases, opts)
	if err != nil {
		return fmt.Errorf("evaluating with %s: %w", engine, err)
	}
	// bash is the oracle for POSIX findings too: "what bash does" is half
	// of every QK5006 message.
	bash := real
	if engine != "bash" {
		if bash, err = expand.EvalWords(ctx, "bash", cases, opts); err != nil {
			return fmt.Errorf("evaluating with bash: %w", err)
		}
	}
	mvdan, _ := expand.EvalWords(ctx, expand.Mvdan, cases, opts)

	byDiag := map[int][]evaluation{}
	for _, e := range evals {
		byDiag[e.diag] = append(byDiag[e.diag], e)
	}
	drop := map[int]bool{}
	for di, es := range byDiag {
		d := &res.Diagnostics[di]
		var evidence []string
		var failures []error
		for _, e := range es {
			r, b := real[e.word], bash[e.word]
			if err := errors.Join(r.Err, b.Err); err != nil {
				failures = append(failures, err)
				continue
			}
			ev := &analysis.Evaluation{Case: e.c, Arg0: arg0, Got: outcome(r), Bash: outcome(b)}
			var contrast *expand.Result
			if e.contrast >= 0 {
				contrast = &real[e.contrast]
				if contrast.Err != nil {
					failures = append(failures, contrast.Err)
					continue
				}
				o := outcome(*contrast)
				ev.Contrast = &o
			}
			if !d.Analyzer.Probe.Shows(ev) {
				continue
			}
			if len(evidence) < 2 {
				evidence = append(evidence, evidenceLine(e, arg0, r, b, contrast, pick(mvdan, e.word), engine))
			}
		}
		switch {
		case len(evidence) > 0:
			d.Evidence = evidence
		case len(failures) == len(es):
			// Nothing was evaluated (the sandbox refused or failed): that
			// says nothing about the finding, so it stays, with the reason.
			d.Unconfirmed = "the shells could not evaluate it: " + failures[0].Error()
		default:
			drop[di] = true
		}
	}
	kept := res.Diagnostics[:0]
	for i, d := range res.Diagnostics {
		if !drop[i] {
			kept = append(kept, d)
		}
	}
	res.Diagnostics = kept
	return nil
}

// probeCases asks d's probe for its cases and refuses any that would
// evaluate more than the rule proved.
func probeCases(d *analysis.Diagnostic) ([]analysis.Case, error) {
	if d.Expr == "" && d.Analyzer.Probe.Cases == nil {
		return nil, errors.New("the finding has no expression to evaluate")
	}
	cs, err := d.Analyzer.Probe.CasesFor(d)
	if err == nil && len(cs) == 0 {
		err = errors.New("its probe built no case to evaluate")
	}
	for _, c := range cs {
		if err != nil {
			break
		}
		err = checkSafe(c)
	}
	return cs, err
}

func outcome(r expand.Result) analysis.Outcome {
	return analysis.Outcome{Shell: r.Engine, Fields: r.Fields, Status: r.Status, Stderr: r.Stderr}
}

func pick(rs []expand.Result, i int) *expand.Result {
	if i < len(rs) {
		return &rs[i]
	}
	return nil
}

// evidenceLine is "bash 5.2.15(1)-release with t.sh one: WORD → <…>", with
// bash's result for POSIX scripts, the contrast, and mvdan.cc/sh's result
// where it differs from bash.
func evidenceLine(e evaluation, arg0 string, r, bash expand.Result, contrast, mvdan *expand.Result, engine string) string {
	line := fmt.Sprintf("%s with %s: %s → %s", engineName(r), argv(arg0, e.c.Args), display(e.c), expand.FieldString(r))
	if engine != "bash" {
		line += fmt.Sprintf(" (bash: %s)", expand.FieldString(bash))
	}
	if contrast != nil {
		line += fmt.Sprintf(", while %s → %s", e.c.Contrast, expand.FieldString(*contrast))
	}
	if engine == "bash" && mvdan != nil && mvdan.Err == nil && !outcome(*mvdan).Same(outcome(r)) {
		line += fmt.Sprintf("; mvdan.cc/sh gives %s, bash is trusted", expand.FieldString(*mvdan))
	}
	return line
}

func display(c analysis.Case) string {
	if c.Setup == "" {
		return c.Word
	}
	return c.Setup + "; " + c.Word
}

func argv(arg0 string, args []string) string {
	parts := []string{arg0}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " *?[$\"'\\") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// engineName is "bash 5.2.15(1)-release", or just "dash" for shells that
// do not report a version.
func engineName(r expand.Result) string {
	v := r.Version
	if f := strings.Fields(v); len(f) > 0 {
		v = f[0]
	}
	if v == "" || v == r.Engine {
		return r.Engine
	}
	return r.Engine + " " + v
}
