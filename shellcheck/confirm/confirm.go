// Package confirm proves the checker's findings on real shells ("quirk check
// --confirm"): each finding's expression is evaluated by bash (dash for POSIX
// scripts) and by mvdan.cc/sh with sample argument vectors, and the finding
// keeps its evidence only if the shell shows the surprise; otherwise it is
// dropped. Where mvdan.cc/sh and the real shell disagree, the real shell is
// trusted and the evidence says so.
package confirm

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/quirkcheck/quirk/expand"
	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// globFiles exist in the sandbox's working directory so that an unquoted
// "*" visibly expands.
var globFiles = []string{"file1", "file2"}

// probe is one evaluation of one finding.
type probe struct {
	diag   int // index into the result's diagnostics
	vector []string
	c      expand.WordCase
	// contrast is the word that was probably meant, evaluated beside it;
	// for QK5011 the surprise is the difference itself.
	contrast *expand.WordCase
}

// Result confirms the findings of res in place. A diagnostic without an
// expression to run (or of a dialect no installed shell speaks) is kept
// as it is.
func Result(ctx context.Context, res *shellcheck.Result) error {
	arg0 := filepath.Base(res.Filename)
	if res.Filename == "-" {
		arg0 = "script"
	}
	engine := "bash"
	if res.Dialect == analysis.Sh {
		engine = "dash"
	}
	var probes []probe
	for i, d := range res.Diagnostics {
		for _, c := range casesFor(d, arg0) {
			p := probe{diag: i, vector: c.Args, c: c}
			if d.Contrast != "" && c.Word == d.Expr {
				q := c
				q.Word = d.Contrast
				p.contrast = &q
			}
			probes = append(probes, p)
		}
	}
	if len(probes) == 0 {
		return nil
	}
	// Contrasts go after all the plain cases, in one batch.
	cases := make([]expand.WordCase, 0, len(probes))
	for _, p := range probes {
		cases = append(cases, p.c)
	}
	twin := map[int]int{}
	for i, p := range probes {
		if p.contrast != nil {
			twin[i] = len(cases)
			cases = append(cases, *p.contrast)
		}
	}
	opts := expand.Options{Files: globFiles}
	real, err := expand.EvalWords(ctx, engine, cases, opts)
	if err != nil {
		return fmt.Errorf("evaluating with %s: %w", engine, err)
	}
	// bash is the oracle for POSIX findings too: "what bash does" is half
	// of every QK5006 message.
	var bash []expand.Result
	if engine != "bash" {
		if bash, err = expand.EvalWords(ctx, "bash", cases, opts); err != nil {
			return fmt.Errorf("evaluating with bash: %w", err)
		}
	}
	mvdan, _ := expand.EvalWords(ctx, expand.Mvdan, cases, opts)

	byDiag := map[int][]int{}
	for i, p := range probes {
		byDiag[p.diag] = append(byDiag[p.diag], i)
	}
	drop := map[int]bool{}
	for di, idx := range byDiag {
		d := &res.Diagnostics[di]
		var ev []string
		shown := false
		for _, i := range idx {
			r := real[i]
			if r.Err != nil {
				continue
			}
			other := pick(bash, i)
			if j, ok := twin[i]; ok && d.Code == "QK5011" {
				other = pick(real, j)
			}
			surprise := surprising(d.Code, probes[i], r, other, arg0)
			if !surprise {
				continue
			}
			shown = true
			line := fmt.Sprintf("%s with %s: %s → %s", engineName(r), argv(arg0, probes[i].vector), display(probes[i].c), expand.FieldString(r))
			if b := pick(bash, i); b != nil && b.Err == nil {
				line += fmt.Sprintf(" (bash: %s)", expand.FieldString(*b))
			}
			if j, ok := twin[i]; ok {
				line += fmt.Sprintf(", while %s → %s", probes[i].contrast.Word, expand.FieldString(real[j]))
			}
			if m := pick(mvdan, i); m != nil && m.Err == nil && engine == "bash" && !sameOutcome(*m, r) {
				line += fmt.Sprintf("; mvdan.cc/sh gives %s, bash is trusted", expand.FieldString(*m))
			}
			ev = append(ev, line)
			if len(ev) == 2 {
				break
			}
		}
		if !shown {
			drop[di] = true
			continue
		}
		d.Evidence = ev
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

func pick(rs []expand.Result, i int) *expand.Result {
	if i < len(rs) {
		return &rs[i]
	}
	return nil
}

// casesFor builds the evaluations that can show d's surprise.
func casesFor(d analysis.Diagnostic, arg0 string) []expand.WordCase {
	if d.Expr == "" {
		return nil
	}
	var out []expand.WordCase
	add := func(setup, word string, args ...string) {
		out = append(out, expand.WordCase{Setup: setup, Word: word, Arg0: arg0, Args: args})
	}
	switch d.Code {
	case "QK5005":
		// The expression is the shift count: try it with one argument too
		// few. bash shifts nothing ("$#" unchanged), dash exits.
		n, err := strconv.Atoi(d.Expr)
		if err != nil || n < 1 || n > 64 {
			return nil
		}
		args := make([]string, n-1)
		for i := range args {
			args[i] = fmt.Sprint(i + 1)
		}
		add("shift "+d.Expr, `"$#"`, args...)
	case "QK5007":
		add(d.Setup, d.Expr, "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
	case "QK5008":
		// The join of an assignment: compare the shells, with a non-space IFS.
		add(join(d.Setup, "IFS=,; x="+d.Expr), `"$x"`, "a", "b c", "d")
	default:
		for _, v := range expand.SampleArgv {
			add(d.Setup, d.Expr, v...)
		}
	}
	return out
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// surprising decides whether a real shell's result shows what the rule
// claims. other is bash's result for the same case (for POSIX findings), or
// the quoted contrast's (QK5011).
func surprising(code string, p probe, r expand.Result, other *expand.Result, arg0 string) bool {
	bash := other
	args := p.c.Args
	switch code {
	case "QK5001", "QK5004":
		// "${@:0}" starts with $0; "${*:0}" joins it into the first field.
		return len(r.Fields) > 0 && strings.HasPrefix(r.Fields[0], arg0)
	case "QK5002":
		// Every argument, where the last one was meant.
		return len(args) > 1 && len(r.Fields) > 1
	case "QK5003":
		return len(args) > 0 && r.Status != 0 && strings.Contains(r.Stderr, "substring expression")
	case "QK5005":
		return r.Fields == nil && r.Status != 0 || slices.Equal(r.Fields, []string{fmt.Sprint(len(args))})
	case "QK5006":
		return bash != nil && !sameOutcome(r, *bash) && len(args) > 0
	case "QK5007":
		return len(r.Fields) == 1 && r.Fields[0] != "ten" && r.Fields[0] != "eleven" && r.Fields[0] != "twelve"
	case "QK5008":
		return bash != nil && !sameOutcome(r, *bash) || r.Engine == "bash" && slices.Equal(r.Fields, []string{"a b c d"})
	case "QK5009":
		return len(args) > 1 && len(r.Fields) == 1 && r.Fields[0] != strings.Join(args, " ")
	case "QK5011":
		// other is the quoted contrast's result here.
		return bash != nil && bash.Err == nil && !slices.Equal(r.Fields, bash.Fields)
	case "QK5012":
		return len(args) > 1 && len(r.Fields) > 1
	}
	return false
}

func sameOutcome(a, b expand.Result) bool {
	return slices.Equal(a.Fields, b.Fields) && (a.Fields != nil) == (b.Fields != nil) && (a.Status == 0) == (b.Status == 0)
}

func display(c expand.WordCase) string {
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
