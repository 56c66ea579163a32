package shellcheck

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// ShellCheck honours "# shellcheck disable=2048,2086" without the SC prefix
// (0.9.0, measured; neofetch writes its directives so), and so does quirk.
func TestShellCheckBareNumbers(t *testing.T) {
	for src, want := range map[string]int{
		"#!/bin/bash\nf() {\n\t# shellcheck disable=2048,2086\n\tset -- $*\n}\nf\n": 0,
		"#!/bin/bash\nf() {\n\t# shellcheck disable=2000-2100\n\tset -- $*\n}\nf\n": 0,
		"#!/bin/bash\nf() {\n\t# shellcheck disable=2034\n\tset -- $*\n}\nf\n":      1,
	} {
		res, err := Check("b.bash", []byte(src), Options{Include: []string{"QK5011"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(res.Diagnostics); got != want {
			t.Errorf("%q: %d findings %v, want %d", src, got, res.Diagnostics, want)
		}
	}
}

// ForShellCheckCode (quirk explain SC2068, the drop-in's --exclude) reads
// codes as a "# shellcheck disable=" does: every check is found by its own
// code as editors show it and by each ShellCheck code it honours, with or
// without the SC prefix, and a range holds them all.
func TestForShellCheckCodeReadsDirectiveCodes(t *testing.T) {
	all := ForShellCheckCode("SC0-SC9999")
	for _, a := range Registry() {
		keys := []string{fmt.Sprintf("SC%d", a.Code()), fmt.Sprintf("sc%d", a.Code())}
		for _, sc := range a.ShellCheck {
			keys = append(keys, sc, strings.TrimPrefix(sc, "SC"))
		}
		for _, key := range keys {
			if !slices.Contains(ForShellCheckCode(key), a) {
				t.Errorf("ForShellCheckCode(%q) = %v, misses %s", key, ForShellCheckCode(key), a.ID)
			}
		}
		if !slices.ContainsFunc(all, func(b *analysis.Analyzer) bool { return b.ID == a.ID }) {
			t.Errorf("the range SC0-SC9999 misses %s", a.ID)
		}
	}
	if got := ForShellCheckCode("QK5001"); len(got) != 0 {
		t.Errorf("ForShellCheckCode(QK5001) = %v, want none: not a ShellCheck code", got)
	}
}
