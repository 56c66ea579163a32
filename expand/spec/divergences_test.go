package spec

import (
	"testing"

	"github.com/quirkcheck/quirk/expand"
	"github.com/quirkcheck/quirk/expand/testenv"
)

// TestMvdanDivergences runs testdata/mvdan-divergences.test.sh under bash
// and mvdan: bash must pass every case, and each mvdan divergence must be
// exactly the manifest's (a fixed upstream bug shows up as a stale entry).
func TestMvdanDivergences(t *testing.T) {
	if _, err := expand.FindEngine("bash", ""); err != nil {
		testenv.Unmet(t, testenv.Shells, "%v", err)
	}
	f, err := ParseFile("testdata/mvdan-divergences.test.sh")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(t.Context(), []*File{f}, []string{"bash", expand.Mvdan}, expand.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := rep.Summary["bash"][Pass]; n != len(f.Cases) {
		for _, c := range rep.Cases {
			if o := find(c.Outcomes, "bash"); o.Verdict != Pass {
				t.Errorf("bash %s: %s %s", c.ID, o.Verdict, o.Why)
			}
		}
	}
	unexpected, stale := rep.Check(DefaultKnown())
	for _, d := range unexpected {
		t.Errorf("not in the manifest: %s", d)
	}
	for _, k := range stale {
		t.Errorf("stale manifest entry: %s | %s | %s", k.ID, k.Engine, k.Reason)
	}
	if rep.Disagree != len(f.Cases) {
		t.Errorf("mvdan disagrees with bash on %d of %d cases, want all", rep.Disagree, len(f.Cases))
	}
}
