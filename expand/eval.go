package expand

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// DefaultArg0 is $0 when a case does not set one.
const DefaultArg0 = "quirk"

// maxBatch bounds the cases of one shell process, so a pathological case
// near the end cannot cost the results of thousands before it.
const maxBatch = 2000

// EvalWords evaluates all cases in one batched process per engine ("bash",
// "dash", "mksh", "zsh", "ash", "ksh" or "mvdan"; cases with different Arg0
// need one process each), results in case order.
//
// The error is for the engine as a whole: unknown engine, shell not
// installed, sandbox not created. A case's own failure (refused word,
// timeout, engine panic) is in its Result.Err, and a shell error (bad
// substitution, syntax error) is a non-zero Result.Status with Stderr.
func EvalWords(ctx context.Context, engine string, cases []WordCase, opts Options) ([]Result, error) {
	sh, sb, err := openEngine(engine, opts)
	if err != nil {
		return nil, err
	}
	defer sb.cleanup()

	results := make([]Result, len(cases))
	groups := map[string][]int{}
	var order []string
	for i, c := range cases {
		results[i] = Result{Engine: sh.Name, Path: sh.Path, Version: sh.Version}
		if err := admit(c.Setup+"\n__quirk_emit "+c.Word, append([]string{c.Arg0}, c.Args...), opts); err != nil {
			results[i].Err, results[i].Status = err, -1
			continue
		}
		arg0 := c.Arg0
		if _, ok := groups[arg0]; !ok {
			order = append(order, arg0)
		}
		groups[arg0] = append(groups[arg0], i)
	}
	isolated := make([]bool, len(cases))
	for i, c := range cases {
		isolated[i] = needsSubshell(c)
	}
	batchNo := 0
	for _, arg0 := range order {
		pending := groups[arg0]
		for len(pending) > 0 {
			if err := ctx.Err(); err != nil {
				for _, i := range pending {
					results[i].Err = err
				}
				break
			}
			chunk := pending[:min(len(pending), maxBatch)]
			batchNo++
			n, err := sb.runBatch(ctx, sh, opts, arg0, cases, chunk, isolated, results, batchNo)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", sh.Name, err)
			}
			pending = pending[n:]
		}
	}
	for i := range results {
		results[i].Notes = sb.notes
	}
	return results, nil
}

// runBatch runs the cases chunk (indexes into cases) in one process and
// fills their results. It returns how many cases of chunk are settled: all
// of them, or fewer when the process died early, so the caller reruns the
// rest in a fresh process.
//
// A direct case that ends the shell is marked isolated and not settled:
// the rerun gives it its own subshell.
func (sb *sandbox) runBatch(ctx context.Context, sh *Engine, opts Options, arg0 string, cases []WordCase, chunk []int, isolated []bool, results []Result, batchNo int) (int, error) {
	sub := make([]WordCase, len(chunk))
	iso := make([]bool, len(chunk))
	for j, i := range chunk {
		sub[j], iso[j] = cases[i], isolated[i]
	}
	script := filepath.Join(sb.root, fmt.Sprintf("batch-%d.sh", batchNo))
	if err := os.WriteFile(script, []byte(batchScript(sh.spec.printBuiltin, sub, chunk, iso)), 0o644); err != nil {
		return 0, err
	}
	out, err := sb.run(ctx, sh, sh.command(". "+shellQuote(script), opts, arg0), sh.environ(opts, true), true)
	if err != nil {
		return 0, err
	}
	recs, perr := parseRecords(out.records)
	// Messages name the generated file; "batch" reads better than a
	// temporary path that no longer exists.
	out.stderr = bytes.ReplaceAll(out.stderr, []byte(script), []byte("batch"))
	// bash: "batch: line 7: -1: substring expression < 0" reads as
	// "$0: -1: substring expression < 0", the way "bash -c" reports it.
	out.stderr = bashBatchLine.ReplaceAll(out.stderr, []byte(strings.ReplaceAll(arg0, "$", "$$")+": "))
	stdouts, stderrs := splitMarked(out.stdout), splitMarked(out.stderr)
	settled := 0
	for _, i := range chunk {
		rec, started := recs[i]
		r := &results[i]
		r.Stdout, r.Stderr = stdouts[i], stderrs[i]
		switch {
		case started && rec.finished:
			r.Fields, r.Status = rec.fields, rec.status
			settled++
			continue
		case started && out.timedOut && settled > 0:
			// An earlier case may have caused the hang (a fork bomb
			// holding every process slot): give this one a fresh process.
			r.Stdout, r.Stderr = "", ""
		case started && out.timedOut:
			r.Err = fmt.Errorf("%w after %s", ErrTimeout, opts.timeout())
			r.Status = -1
			settled++
		case started && !isolated[i]:
			// It ended the shell; run it again in a subshell.
			isolated[i] = true
			r.Stdout, r.Stderr = "", ""
		case started:
			r.Err = diedErr(sh, out)
			r.Status = out.status
			settled++
		case settled == 0:
			// The process failed before the first case: nothing to rerun.
			msg := strings.TrimSpace(string(out.stderr))
			if perr != nil {
				msg += " " + perr.Error()
			}
			return 0, fmt.Errorf("batch produced no result (status %d): %s", out.status, msg)
		}
		break
	}
	return settled, nil
}

var bashBatchLine = regexp.MustCompile(`batch: line [0-9]+: `)

// diedErr says why a case's process ended under it: an mvdan.cc/sh panic
// (the worker's status 70 with its message) or a death of the shell.
func diedErr(eng *Engine, out procOutput) error {
	if eng.IsWorker() && out.status == workerPanicStatus && bytes.Contains(out.stderr, []byte(ErrEnginePanic.Error())) {
		_, msg, _ := bytes.Cut(out.stderr, []byte(ErrEnginePanic.Error()+": "))
		return fmt.Errorf("%w: %s", ErrEnginePanic, firstLineOf(msg))
	}
	if eng.IsWorker() && bytes.Contains(out.stderr, []byte("fatal error: out of memory")) {
		return fmt.Errorf("the engine ran out of memory (status %d)", out.status)
	}
	return fmt.Errorf("the shell died during this case (status %d)", out.status)
}

func firstLineOf(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return string(line)
}

// command is the argv that runs src under the engine with $0=arg0.
func (sh *Engine) command(src string, opts Options, arg0 string, args ...string) []string {
	if sh.Name == "zsh" && !opts.NativeZsh {
		src = "emulate sh; " + src
	}
	argv := append([]string{sh.Path}, sh.spec.prefix...)
	argv = append(argv, "-c", src, arg0)
	return append(argv, args...)
}

// environ is what the engine needs in its environment besides the
// sandbox's: the worker's options for the mvdan engine, nothing for a shell.
func (sh *Engine) environ(opts Options, records bool) []string {
	if !sh.IsWorker() {
		return nil
	}
	cfg := workerConfig{allowExec: opts.AllowExec, commands: opts.Commands, records: records}
	return []string{workerEnv + "=" + cfg.encode()}
}
