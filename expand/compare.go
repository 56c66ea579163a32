package expand

import (
	"fmt"
	"strings"

	"github.com/google/go-cmp/cmp"
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
	Diff      string   // per differing engine, a field-by-field go-cmp diff
}

// outcome is the part of a Result that Compare looks at. Its fields are
// plain strings, ints and string slices, which cmp handles without panics.
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
		if d := cmp.Diff(want, got); d != "" {
			c.Agree = false
			c.Differ = append(c.Differ, r.Engine)
			fmt.Fprintf(&diff, "%s vs %s (-%s +%s):\n%s", ref.Engine, r.Engine, ref.Engine, r.Engine, d)
		}
	}
	c.Diff = diff.String()
	return c
}
