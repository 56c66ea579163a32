package spec

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/quirkcheck/quirk/expand"
)

// Verdicts, from best to worst. PASS, OK, BUG and N-I mean the result is
// one the file expects (by default, or by a per-shell override); FAIL
// means it is not; ERROR means the engine could not run the case (sandbox
// failure, timeout, mvdan.cc/sh panic).
const (
	Pass  = "PASS"
	OK    = "OK"
	Bug   = "BUG"
	NI    = "N-I"
	Fail  = "FAIL"
	Error = "ERROR"
	// NA: the case starts "$SH" (the shell under test) again, which the
	// in-process mvdan engine cannot provide.
	NA = "N/A"
)

// Verdicts lists every verdict in report order.
var Verdicts = []string{Pass, OK, Bug, NI, Fail, Error, NA}

// Commands are the system commands spec cases may call besides argv.py.
var Commands = []string{
	"cat", "env", "printenv", "tr", "od", "seq", "sort", "head", "tail", "wc", "sleep",
	"true", "false", "expr", "printf", "echo", "grep", "sed", "tee", "touch", "rm",
	"mkdir", "ls", "basename", "dirname", "cut", "uniq", "xargs", "id", "kill", "test",
	"egrep", "which", "hostname", "awk", "chmod", "sh",
}

// Outcome is one engine's run of one case.
type Outcome struct {
	Engine  string        `json:"engine"`
	Verdict string        `json:"verdict"`
	Why     string        `json:"why,omitempty"` // what did not match, for FAIL/ERROR
	Result  expand.Result `json:"-"`
}

// CaseReport is every engine's outcome for one case.
type CaseReport struct {
	Case     *Case     `json:"-"`
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Outcomes []Outcome `json:"outcomes"`
	// MvdanAgreesWithBash compares stdout and exit status of the two
	// engines (nil when either did not run).
	MvdanAgreesWithBash *bool `json:"mvdan_agrees_with_bash,omitempty"`
}

// Report is a whole run.
type Report struct {
	Engines  []string                  `json:"engines"`
	Versions map[string]string         `json:"versions"`
	Cases    []*CaseReport             `json:"cases"`
	Summary  map[string]map[string]int `json:"summary"` // engine → verdict → count
	// Disagree counts cases where mvdan and bash differ.
	Disagree int `json:"mvdan_bash_disagree"`
}

// ExpectationShell is the shell whose expectations an engine is judged by:
// mvdan.cc/sh aims at bash, and the spec files name BusyBox ash "ash".
func ExpectationShell(engine string) string {
	if engine == expand.Mvdan {
		return "bash"
	}
	return engine
}

// Run runs every case of files under engines. Each engine runs in its own
// goroutine, one sandboxed process per case for real shells.
func Run(ctx context.Context, files []*File, engines []string, opts expand.Options) (*Report, error) {
	var cases []*Case
	for _, f := range files {
		cases = append(cases, f.Cases...)
	}
	rep := &Report{Engines: engines, Versions: map[string]string{}, Summary: map[string]map[string]int{}}
	results := make(map[string][]expand.Result, len(engines))
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(engines))
	for ei, engine := range engines {
		wg.Go(func() {
			o := opts
			o.AllowExec = true // the corpus is trusted test data, still sandboxed
			o.NativeZsh = true // the files' zsh expectations are zsh's own mode
			o.Commands = append(append([]string{}, opts.Commands...), Commands...)
			if o.Timeout == 0 {
				o.Timeout = 5 * time.Second
			}
			if sh, err := expand.FindEngine(engine, opts.Paths[engine]); err == nil && !sh.IsWorker() {
				o.Env = append(append([]string{}, opts.Env...), "SH="+sh.Path)
			}
			// The files expect a UTF-8 locale (character slicing) and a writable $TMP.
			o.Env = append(o.Env, "TMP="+expand.WorkDir, "LC_ALL=C.UTF-8")
			sc := make([]expand.ScriptCase, len(cases))
			for i, c := range cases {
				sc[i] = expand.ScriptCase{Script: c.Code, Arg0: engine}
			}
			rs, err := expand.EvalScripts(ctx, engine, sc, o)
			mu.Lock()
			defer mu.Unlock()
			errs[ei] = err
			results[engine] = rs
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", engines[i], err)
		}
	}
	for _, e := range engines {
		rep.Summary[e] = map[string]int{}
		if rs := results[e]; len(rs) > 0 {
			rep.Versions[e] = rs[0].Version
		}
	}
	for i, c := range cases {
		cr := &CaseReport{Case: c, ID: c.ID(), Title: c.Title}
		for _, e := range engines {
			o := judge(c, e, results[e][i])
			cr.Outcomes = append(cr.Outcomes, o)
			rep.Summary[e][o.Verdict]++
		}
		if b, m := find(cr.Outcomes, "bash"), find(cr.Outcomes, expand.Mvdan); b != nil && m != nil && b.Result.Err == nil && m.Verdict != NA {
			agree := m.Result.Err == nil && b.Result.Stdout == m.Result.Stdout && b.Result.Status == m.Result.Status
			cr.MvdanAgreesWithBash = &agree
			if !agree {
				rep.Disagree++
			}
		}
		rep.Cases = append(rep.Cases, cr)
	}
	return rep, nil
}

func find(os []Outcome, engine string) *Outcome {
	for i := range os {
		if os[i].Engine == engine {
			return &os[i]
		}
	}
	return nil
}

// judge compares a result with the case's expectation for the engine.
func judge(c *Case, engine string, r expand.Result) Outcome {
	o := Outcome{Engine: engine, Result: r}
	if engine == expand.Mvdan && reSH.MatchString(c.Code) {
		o.Verdict, o.Why = NA, "the case runs $SH"
		return o
	}
	if r.Err != nil {
		o.Verdict, o.Why = Error, r.Err.Error()
		return o
	}
	want, verdict := c.For(ExpectationShell(engine))
	status := 0
	if want.Status != nil {
		status = *want.Status
	}
	switch {
	case want.Stdout != nil && *want.Stdout != r.Stdout:
		o.Verdict, o.Why = Fail, fmt.Sprintf("stdout %q, want %q", r.Stdout, *want.Stdout)
	case want.Stderr != nil && *want.Stderr != r.Stderr:
		o.Verdict, o.Why = Fail, fmt.Sprintf("stderr %q, want %q", r.Stderr, *want.Stderr)
	case r.Status != status:
		o.Verdict, o.Why = Fail, fmt.Sprintf("status %d, want %d", r.Status, status)
	default:
		o.Verdict = verdict
	}
	return o
}

var reSH = regexp.MustCompile(`\$\{?SH\b`)
