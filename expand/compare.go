package expand

import (
	"fmt"
	"slices"
	"strings"
)

// CompareMode says which parts of a Result must match.
type CompareMode struct {
	// ExactStatus compares exit statuses exactly. Without it only success
	// (0) against failure (non-zero) counts: bash says 1 and dash 2 for the
	// same bad substitution, and the checker cares that both failed.
	ExactStatus bool
	// Stderr compares stderr too. Messages name the shell, so this is off
	// for words.
	Stderr bool
}

// Comparison is the verdict on several engines' results for one case.
type Comparison struct {
	Agree     bool
	Reference string   // the engine the others are compared with (the first)
	Differ    []string // engines whose outcome differs from the reference
	Diff      string   // per differing engine, the parts of the outcome that differ, -reference +engine
}

// outcome is the part of a Result that Compare looks at.
type outcome struct {
	Failed  bool // a sandbox or engine failure
	Fields  []string
	Stdout  string
	Status  int
	Stderr  string
	Errored bool // the printing command never ran
}

func outcomeOf(r Result, mode CompareMode) outcome {
	o := outcome{Failed: r.Err != nil, Fields: r.Fields, Stdout: r.Stdout, Errored: r.Fields == nil}
	if mode.ExactStatus {
		o.Status = r.Status
	} else if r.Status != 0 {
		o.Status = 1
	}
	if mode.Stderr {
		o.Stderr = r.Stderr
	}
	return o
}

// Compare compares every result with the first one. nil fields ("the
// printing command never ran") and empty fields ("it ran with no
// arguments") are different outcomes.
func Compare(results []Result, mode CompareMode) Comparison {
	c := Comparison{Agree: true}
	if len(results) == 0 {
		return c
	}
	ref := results[0]
	c.Reference = ref.Engine
	want := outcomeOf(ref, mode)
	var diff strings.Builder
	for _, r := range results[1:] {
		got := outcomeOf(r, mode)
		if d := diffOutcomes(want, got); d != "" {
			c.Agree = false
			c.Differ = append(c.Differ, r.Engine)
			fmt.Fprintf(&diff, "%s vs %s (-%s +%s):\n%s", ref.Engine, r.Engine, ref.Engine, r.Engine, d)
		}
	}
	c.Diff = diff.String()
	return c
}

// diffOutcomes lists the parts of two outcomes that differ, one "-want"
// and one "+got" line each, values quoted as Go strings so that spaces,
// empty fields and control characters show. It is written here rather
// than taken from go-cmp: every quirk command (a core_pattern handler
// started per crash among them) pays a dependency's package
// initialisation at start, about 0.5 ms for go-cmp's.
func diffOutcomes(want, got outcome) string {
	var b strings.Builder
	line := func(name string, w, g any) {
		fmt.Fprintf(&b, "  %s:\n-\t%v\n+\t%v\n", name, w, g)
	}
	if want.Failed != got.Failed {
		line("Failed", want.Failed, got.Failed)
	}
	if want.Errored != got.Errored {
		line("Errored", want.Errored, got.Errored)
	}
	if (want.Fields == nil) != (got.Fields == nil) || !slices.Equal(want.Fields, got.Fields) {
		line("Fields", quotedFields(want.Fields), quotedFields(got.Fields))
	}
	if want.Stdout != got.Stdout {
		line("Stdout", fmt.Sprintf("%q", want.Stdout), fmt.Sprintf("%q", got.Stdout))
	}
	if want.Status != got.Status {
		line("Status", want.Status, got.Status)
	}
	if want.Stderr != got.Stderr {
		line("Stderr", fmt.Sprintf("%q", want.Stderr), fmt.Sprintf("%q", got.Stderr))
	}
	return b.String()
}

// quotedFields shows fields as [<"a"> <"b c">], nil as "none" (the
// printing command never ran) and an empty list as [].
func quotedFields(fields []string) string {
	if fields == nil {
		return "none"
	}
	q := make([]string, len(fields))
	for i, f := range fields {
		q[i] = fmt.Sprintf("%q", f)
	}
	return "[" + strings.Join(q, " ") + "]"
}
