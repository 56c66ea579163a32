package confirm_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"github.com/quirkcheck/quirk/shellcheck/confirm"
)

// TestEveryRuleKeepsItsFindings runs --confirm over every confirmable
// rule's own testdata, whose findings are all true: each must come back
// either with evidence from a real shell or with the reason it could not be
// evaluated. A finding dropped here is a probe that cannot show what its
// rule claims — the silent loss --confirm must never have. The test walks
// the registry, so a new rule is covered without touching it.
func TestEveryRuleKeepsItsFindings(t *testing.T) {
	requireShell(t, "bash")
	requireShell(t, "dash")
	for _, a := range shellcheck.Registry() {
		if !a.Confirmable() {
			continue
		}
		t.Run(a.ID, func(t *testing.T) {
			dir := filepath.Join("..", "rules", "testdata", strings.ToLower(a.ID))
			files, _ := filepath.Glob(filepath.Join(dir, "*.*sh"))
			if len(files) == 0 {
				t.Fatalf("no testdata under %s", dir)
			}
			var loader shellcheck.ConfigLoader
			for _, file := range files {
				src, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				cfg, err := loader.ForFile(file)
				if err != nil {
					t.Fatal(err)
				}
				res, err := shellcheck.Check(file, src, shellcheck.Options{Include: []string{a.ID}, TargetBash: cfg.TargetBash})
				if err != nil {
					t.Fatal(err)
				}
				before := map[int]analysis.Diagnostic{}
				for _, d := range res.Diagnostics {
					if d.Analyzer == a {
						before[d.Start] = d
					}
				}
				if err := confirm.Result(context.Background(), res); err != nil {
					t.Fatal(err)
				}
				for _, d := range res.Diagnostics {
					if d.Analyzer != a {
						continue
					}
					delete(before, d.Start)
					if len(d.Evidence) == 0 && d.Unconfirmed == "" {
						line, _ := shellcheck.LineCol(src, d.Start)
						t.Errorf("%s:%d: kept without evidence or reason", file, line)
					}
				}
				for _, d := range before {
					line, _ := shellcheck.LineCol(src, d.Start)
					t.Errorf("%s:%d: --confirm dropped a true finding (expr %s, setup %q): %s", file, line, d.Expr, d.Setup, d.Message)
				}
			}
		})
	}
}
