package spec

import (
	"github.com/quirkcheck/quirk/expand/testenv"
	"os"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/expand"
)

// TestPositionalCorpus runs the positional/IFS part of the Oils corpus under
// every engine. bash failures and mvdan/bash disagreements must match
// known-divergences.txt exactly: a new divergence or a stale entry fails.
// Other shells are judged by the files' own expectations and reported.
func TestPositionalCorpus(t *testing.T) {
	files := loadPositional(t)
	var engines []string
	for _, e := range expand.Engines() {
		if e == expand.Mvdan {
			engines = append(engines, e)
			continue
		}
		if _, err := expand.FindEngine(e, ""); err != nil {
			if e == "bash" || testenv.Required(testenv.Shells) {
				t.Fatalf("%v (CI installs every shell)", err)
			}
			t.Logf("skipping engine %s: %v", e, err)
			continue
		}
		engines = append(engines, e)
	}
	rep, err := Run(t.Context(), files, engines, expand.Options{})
	if err != nil {
		t.Fatal(err)
	}
	unexpected, stale := rep.Check(DefaultKnown())
	for _, d := range unexpected {
		t.Errorf("new divergence (add it to known-divergences.txt with a reason, or fix it): %s", d)
	}
	for _, k := range stale {
		t.Errorf("stale entry in known-divergences.txt (no longer happens): %s | %s | %s", k.ID, k.Engine, k.Reason)
	}
	if os.Getenv("QUIRK_SPEC_DUMP") != "" {
		for _, d := range rep.Divergences() {
			t.Logf("DUMP %s | %s | %s", d.ID, d.Engine, d.Detail+" — "+d.Title)
		}
	}
	var b strings.Builder
	WriteSummary(&b, rep)
	t.Logf("summary:\n%s", b.String())
	for _, e := range engines {
		if n := rep.Summary[e][Error]; n > 0 && e != expand.Mvdan {
			for _, c := range rep.Cases {
				if o := find(c.Outcomes, e); o.Verdict == Error {
					t.Errorf("%s %s: sandbox error: %s", e, c.ID, o.Why)
				}
			}
		}
		if rep.Summary[e][Pass] == 0 {
			t.Errorf("%s passed no case: the harness is broken", e)
		}
	}
}
