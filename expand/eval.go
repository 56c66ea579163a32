package expand

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	scoping, assumed := sh.scopesLocally()
	isolated, top, quiet := make([]bool, len(cases)), make([]bool, len(cases)), make([]bool, len(cases))
	plans := newPlanner(sh.Name, scoping, opts)
	for i, c := range cases {
		results[i] = Result{Engine: sh.Name, Path: sh.Path}
		p := plans.plan(c)
		if p.refused != nil {
			results[i].Err, results[i].Status = p.refused, -1
			continue
		}
		isolated[i], top[i], quiet[i] = p.isolated, p.top, p.quiet
		arg0 := c.Arg0
		if _, ok := groups[arg0]; !ok {
			order = append(order, arg0)
		}
		groups[arg0] = append(groups[arg0], i)
	}
	// Batches run on every core: each worker takes an equal share of the
	// cases of one $0 and works through it batch after batch.
	var batchNo atomic.Int64
	// killers holds the words (with their setup) that ended a shell: the
	// same word with other arguments most likely ends it too, so pending
	// cases with it get a subshell of their own before they cost a rerun.
	var killers sync.Map
	var firstErr error
	var errMu sync.Mutex
	for _, arg0 := range order {
		all := groups[arg0]
		workers := min(runtime.GOMAXPROCS(0), (len(all)+minShare-1)/minShare)
		var wg sync.WaitGroup
		for w := range workers {
			share := all[len(all)*w/workers : len(all)*(w+1)/workers]
			wg.Go(func() {
				// Each worker has a sandbox of its own: one process tree
				// per cgroup, so that ending one batch's tree never
				// touches another's. It is made here, while the first
				// worker's batch starts.
				wsb := sb
				if w > 0 {
					var err error
					if wsb, err = newSandbox(opts); err != nil {
						errMu.Lock()
						firstErr = cmp.Or(firstErr, err)
						errMu.Unlock()
						return
					}
					defer wsb.cleanup()
				}
				pending := share
				for len(pending) > 0 {
					if err := ctx.Err(); err != nil {
						for _, i := range pending {
							results[i].Err = err
						}
						return
					}
					chunk := pending[:min(len(pending), maxBatch)]
					for _, i := range chunk {
						if _, ok := killers.Load(cases[i].Setup + "\x00" + cases[i].Word); ok {
							isolated[i] = true
						}
					}
					rest, err := wsb.runBatch(ctx, sh, opts, arg0, cases, chunk, placements{isolated, top, quiet}, results, int(batchNo.Add(1)), &killers, scoping && assumed)
					if err != nil {
						errMu.Lock()
						firstErr = cmp.Or(firstErr, fmt.Errorf("%s: %w", sh.Name, err))
						errMu.Unlock()
						return
					}
					pending = append(rest, pending[len(chunk):]...)
				}
			})
		}
		wg.Wait()
		if errors.Is(firstErr, errOldBash) {
			// Written for a bash with "local -"; this one is older and
			// now known: write the batches again for it.
			sb.cleanup()
			return EvalWords(ctx, engine, cases, opts)
		}
		if firstErr != nil {
			return nil, firstErr
		}
	}
	version := sh.version()
	for i := range results {
		results[i].Notes, results[i].Version = sb.notes, version
	}
	return results, nil
}

// runBatch runs the cases chunk (indexes into cases) in one process and
// fills their results. It returns the cases of chunk that are not settled,
// in order, for the caller to run again in a fresh process: a direct case
// that ended its group's subshell (now marked isolated, so that the rerun
// gives it a subshell of its own), the rest of that group, and whatever the
// process did not reach.
func (sb *sandbox) runBatch(ctx context.Context, sh *Engine, opts Options, arg0 string, cases []WordCase, chunk []int, pl placements, results []Result, batchNo int, killers *sync.Map, assumedScoping bool) ([]int, error) {
	isolated := pl.isolated
	chunk = byPlacement(chunk, isolated, pl.top)
	sub := make([]WordCase, len(chunk))
	iso, atTop, quiet := make([]bool, len(chunk)), make([]bool, len(chunk)), make([]bool, len(chunk))
	for j, i := range chunk {
		sub[j], iso[j], atTop[j], quiet[j] = cases[i], isolated[i], pl.top[i], pl.quiet[i]
	}
	script := filepath.Join(sb.root, fmt.Sprintf("batch-%d.sh", batchNo))
	src := batchScript(styleOf(sh), sub, chunk, iso, atTop, quiet)
	if sh.spec.versionFromBatch {
		src = versionGuard(assumedScoping) + src
	}
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		return nil, err
	}
	out, err := sb.run(ctx, sh, sh.command(". "+shellQuote(script), opts, arg0), sh.environ(opts, true), true)
	if err != nil {
		return nil, err
	}
	style := styleOf(sh)
	var recs map[int]*caseRecord
	var texts map[int]string
	var version string
	var perr error
	if style == recordsMerged {
		recs, texts, version, perr = parseMerged(out.records)
	} else {
		recs, version, perr = parseRecordsVersion(out.records)
	}
	if version != "" {
		sh.learn(version)
		if assumedScoping && !bashScopes(version) {
			return nil, errOldBash
		}
	}
	// Messages name the generated file; "batch" reads better than a
	// temporary path that no longer exists.
	// bash: "batch: line 7: -1: substring expression < 0" reads as
	// "$0: -1: substring expression < 0", the way "bash -c" reports it.
	tidy := func(msg []byte) []byte {
		msg = bytes.ReplaceAll(msg, []byte(script), []byte("batch"))
		return bashBatchLine.ReplaceAll(msg, []byte(strings.ReplaceAll(arg0, "$", "$$")+": "))
	}
	out.stderr = tidy(out.stderr)
	prefix := markerPrefix
	if style == recordsMerged {
		prefix = nulMarkerPrefix
	}
	stdouts, stderrs := splitMarked(out.stdout, prefix), splitMarked(out.stderr, prefix)
	for n, text := range texts {
		// Merged messages of direct cases; a case in a subshell has its
		// own on the real stderr, which follows.
		stderrs[n] = string(tidy([]byte(text))) + stderrs[n]
	}
	settled := 0
	var rest []int
	anyStarted := false
	for _, i := range chunk {
		rec, started := recs[i]
		anyStarted = anyStarted || started
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
			rest = append(rest, i)
		case started && out.timedOut:
			r.Err = fmt.Errorf("%w after %s", ErrTimeout, opts.timeout())
			r.Status = -1
			settled++
		case started && !isolated[i]:
			// It ended the shell; run it again in a subshell.
			isolated[i] = true
			killers.Store(cases[i].Setup+"\x00"+cases[i].Word, true)
			r.Stdout, r.Stderr = "", ""
			rest = append(rest, i)
		case started:
			r.Err = diedErr(sh, out)
			r.Status = out.status
			settled++
		default:
			r.Stdout, r.Stderr = "", ""
			rest = append(rest, i)
		}
	}
	if !anyStarted {
		// The process failed before the first case: nothing to rerun.
		msg := strings.TrimSpace(string(out.stderr))
		if perr != nil {
			msg += " " + perr.Error()
		}
		return nil, fmt.Errorf("batch produced no result (status %d): %s", out.status, msg)
	}
	return rest, nil
}

// byPlacement orders a chunk's cases (each independent of the others, so
// any order gives the same results) as group cases first, then those with
// a subshell of their own, then those at the top level: every case then
// pays for at most one fork, and a group is cut short only by its size,
// not by the isolated cases between its members (which made a second
// fork per isolated case). The top-level ones come last, so that a shell
// they end after all costs only them a rerun.
func byPlacement(chunk []int, isolated, top []bool) []int {
	rank := func(i int) int {
		switch {
		case isolated[i]:
			return 1
		case top[i]:
			return 2
		}
		return 0
	}
	sorted := slices.Clone(chunk)
	slices.SortStableFunc(sorted, func(a, b int) int { return rank(a) - rank(b) })
	return sorted
}

// minShare is the fewest cases worth a batch process of their own.
const minShare = 200

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

// scopesLocally says whether the engine is a bash with "local -" (4.4 and
// later), which lets simple setups run in a function instead of a subshell.
// assumed: the version is not known yet, so the batch checks (versionGuard).
func (sh *Engine) scopesLocally() (scoping, assumed bool) {
	if sh.Name != "bash" {
		return false, false
	}
	v := sh.known.Load()
	if v == nil {
		return true, true
	}
	return bashScopes(*v), false
}

// bashScopes says whether a $BASH_VERSION has "local -".
func bashScopes(v string) bool {
	var major, minor int
	if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major*100+minor >= scopedBash
}

// errOldBash: a batch written for "local -" met an older bash.
var errOldBash = errors.New("bash without local -")

// environ is what the engine needs in its environment besides the
// sandbox's: the worker's options for the mvdan engine, nothing for a shell.
func (sh *Engine) environ(opts Options, records bool) []string {
	if !sh.IsWorker() {
		return nil
	}
	cfg := workerConfig{allowExec: opts.AllowExec, commands: opts.Commands, records: records}
	return []string{workerEnv + "=" + cfg.encode()}
}

// casePlan is what quirk decides about a case before any shell sees it.
type casePlan struct {
	refused       error // admit's verdict
	isolated, top bool  // placeCase
	quiet         bool
}

// placements are the plans' placements of all of EvalWords' cases, by
// index; a case that ended its shell is marked isolated on the way.
type placements struct {
	isolated, top, quiet []bool
}

// planner decides each case once per distinct setup and word: a checker
// asks the same word with several argument vectors (SampleArgv), and each
// decision costs parses that, for thousands of cases, took longer than
// the shells' evaluation of them.
type planner struct {
	engine  string
	scoping bool
	opts    Options
	seen    map[[2]string]casePlan
}

func newPlanner(engine string, scoping bool, opts Options) *planner {
	return &planner{engine: engine, scoping: scoping, opts: opts, seen: map[[2]string]casePlan{}}
}

func (pl *planner) plan(c WordCase) casePlan {
	if strings.ContainsRune(c.Arg0, 0) || slices.ContainsFunc(c.Args, func(a string) bool { return strings.ContainsRune(a, 0) }) {
		return casePlan{refused: ErrNUL}
	}
	key := [2]string{c.Setup, c.Word}
	if p, ok := pl.seen[key]; ok {
		return p
	}
	var p casePlan
	if p.refused = admit(c.Setup+"\n__quirk_emit "+c.Word, nil, pl.opts); p.refused == nil {
		p.isolated, p.top, p.quiet = placeCase(c, pl.engine, pl.scoping)
	}
	pl.seen[key] = p
	return p
}
