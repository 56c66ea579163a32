package confirm_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/expand"
	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"github.com/quirkcheck/quirk/shellcheck/rules"
)

// QK5003's fix is marked safe, so it must do what the zsh-style slice meant
// (all but the last k elements from the offset) for every argument count,
// including none, where a plain "${@:1:$#-1}" fails just like the original.
func TestNegativeLengthFix(t *testing.T) {
	requireShell(t, "bash")
	probes := []struct {
		expr   string
		array  bool // a=("$@"), indexed from 0
		join   bool // "$*": one field
		off, k int  // the offset and the number of elements dropped at the end
	}{
		{expr: `"${@:1:-1}"`, off: 1, k: 1},
		{expr: `"${@:2:-1}"`, off: 2, k: 1},
		{expr: `"${@:0:-2}"`, off: 0, k: 2},
		{expr: `"${@:3:-2}"`, off: 3, k: 2},
		{expr: `"${a[@]:0:-1}"`, array: true, off: 0, k: 1},
		{expr: `"${a[@]:1:-2}"`, array: true, off: 1, k: 2},
		{expr: `"${*:1:-1}"`, join: true, off: 1, k: 1},
	}
	src := "#!/bin/bash\na=(\"$@\")\n"
	for _, sl := range probes {
		src += "echo " + sl.expr + "\n"
	}
	res, err := shellcheck.Check("t.sh", []byte(src), shellcheck.Options{Analyzers: []*analysis.Analyzer{rules.NegativeLength}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) != len(probes) {
		t.Fatalf("want %d findings, got %d", len(probes), len(res.Diagnostics))
	}
	var cases []expand.WordCase
	var expect [][]string
	for i, d := range res.Diagnostics {
		sl := probes[i]
		fix := d.SafeFix()
		if fix == nil {
			t.Fatalf("%s has no safe fix", sl.expr)
		}
		fixed, err := analysis.ApplyEdits([]byte(src), fix.Edits)
		if err != nil {
			t.Fatal(err)
		}
		line := strings.Split(string(fixed), "\n")[i+2]
		word := strings.TrimPrefix(line, "echo ")
		for n := range 4 {
			args := []string{"a", "b c", "d"}[:n]
			var elems []string
			switch {
			case sl.array:
				elems = args[min(sl.off, n):]
			case sl.off == 0:
				elems = append([]string{"t.sh"}, args...)
			default:
				elems = args[min(sl.off-1, n):]
			}
			elems = elems[:max(len(elems)-sl.k, 0)]
			if sl.join {
				elems = []string{strings.Join(elems, " ")}
			}
			cases = append(cases, expand.WordCase{Setup: `a=("$@")`, Word: word, Arg0: "t.sh", Args: args})
			expect = append(expect, elems)
		}
	}
	results, err := expand.EvalWords(context.Background(), "bash", cases, expand.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		c := cases[i]
		if r.Err != nil || r.Status != 0 || r.Fields == nil || !slices.Equal(r.Fields, expect[i]) {
			t.Errorf("%s with %d args: got %s (status %d, %s), want %q", c.Word, len(c.Args), expand.FieldString(r), r.Status, strings.TrimSpace(r.Stderr), expect[i])
		}
	}
}
