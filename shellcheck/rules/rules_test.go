package rules_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"github.com/quirkcheck/quirk/shellcheck/checktest"
	"github.com/quirkcheck/quirk/shellcheck/rules"
)

// TestRules runs each rule over testdata/<id>/, where every file mixes the
// findings it must report with the look-alikes it must leave alone (settings
// a rule needs, such as a bash target, come from a .quirkrc there).
func TestRules(t *testing.T) {
	for _, a := range rules.All() {
		t.Run(a.ID, func(t *testing.T) {
			checktest.Run(t, filepath.Join("testdata", strings.ToLower(a.ID)), a, shellcheck.Options{})
		})
	}
}

func TestRegistryIsValid(t *testing.T) {
	if err := analysis.Validate(shellcheck.Registry()); err != nil {
		t.Fatal(err)
	}
	for _, a := range shellcheck.Registry() {
		if a.URL != analysis.DocURL(a.ID) {
			t.Errorf("%s: URL %q, want its documentation page %s", a.ID, a.URL, analysis.DocURL(a.ID))
		}
	}
	all := rules.All()
	for i, a := range all {
		if i > 0 && all[i-1].ID >= a.ID {
			t.Errorf("rules.All is not in ID order at %s", a.ID)
		}
		if a.URL != analysis.DocURL(a.ID) {
			t.Errorf("%s: URL %q, want its documentation page", a.ID, a.URL)
		}
	}
}

// TestOldBashNeedsTarget: QK5010 is silent unless a target is given.
func TestOldBashNeedsTarget(t *testing.T) {
	src := []byte("#!/bin/bash\necho \"${@:0}\" \"${s:0:-1}\"\n")
	res, err := shellcheck.Check("t.sh", src, shellcheck.Options{Include: []string{"QK5010"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) != 0 {
		t.Errorf("without a target: %v", res.Diagnostics)
	}
	res, err = shellcheck.Check("t.sh", src, shellcheck.Options{Include: []string{"QK5010"}, TargetBash: 402})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) != 0 {
		t.Errorf("target 4.2 should accept both: %v", res.Diagnostics)
	}
}
