package rules_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/internal/realshellcheck"
)

// TestShellCheckGivesTheMappedCodes runs the real ShellCheck over every
// rule's testdata: wherever a quirk finding says ShellCheck warns about the
// same construct (the codes a "# shellcheck disable=" of which silences it),
// ShellCheck must report each of those codes on that line. This is what keeps
// the mapping honest: a code ShellCheck does not give the construct would
// let an unrelated directive hide a finding.
func TestShellCheckGivesTheMappedCodes(t *testing.T) {
	checked := 0
	for _, a := range shellcheck.Registry() {
		if len(a.ShellCheck) == 0 {
			continue
		}
		files, _ := filepath.Glob(filepath.Join("testdata", strings.ToLower(a.ID), "*.*sh"))
		for _, file := range files {
			if strings.HasSuffix(file, ".zsh") {
				continue // ShellCheck does not read zsh
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			res, err := shellcheck.Check(file, src, shellcheck.Options{Include: []string{a.ID}})
			if err != nil {
				t.Fatal(err)
			}
			byLine := map[int][]string{}
			for _, c := range realshellcheck.Comments(t, file) {
				byLine[c.Line] = append(byLine[c.Line], fmt.Sprintf("SC%d", c.Code))
			}
			for _, d := range res.Diagnostics {
				if d.Analyzer != a {
					continue
				}
				line, _ := shellcheck.LineCol(src, d.Start)
				for _, code := range d.ShellCheckCodes() {
					checked++
					if !slices.Contains(byLine[line], code) {
						t.Errorf("%s:%d: %s claims ShellCheck gives this %s, but ShellCheck says %v", file, line, a.ID, code, byLine[line])
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no mapped finding in any testdata: the test checks nothing")
	}
	t.Logf("%d mapped codes checked against ShellCheck", checked)
}
