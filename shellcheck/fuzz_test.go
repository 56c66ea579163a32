package shellcheck

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// FuzzCheck feeds arbitrary scripts through every rule: Check must never
// panic, and every diagnostic must point inside the source with fixes that
// apply cleanly. Seeds are the rules' test scripts.
//
//	go test -fuzz FuzzCheck ./shellcheck
func FuzzCheck(f *testing.F) {
	seeds, _ := filepath.Glob("rules/testdata/*/*")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(string(data), "")
			f.Add(string(data), "sh")
		}
	}
	f.Add("echo \"${@:$((1-1)):-1}\" ${!#} ${#@} $10 \"x$@y\"; shift 9", "bash")
	f.Fuzz(func(t *testing.T, src, shell string) {
		opts := Options{TargetBash: 302}
		if d, err := analysis.ParseDialect(shell); err == nil {
			opts.Dialect = d
		}
		res, err := Check("fuzz.sh", []byte(src), opts)
		if err != nil {
			return
		}
		for _, d := range res.Diagnostics {
			if d.Start < 0 || d.End < d.Start || d.End > len(src) {
				t.Fatalf("%s: span %d..%d outside a %d-byte source", d.Code(), d.Start, d.End, len(src))
			}
			for _, fix := range d.Fixes {
				if _, err := analysis.ApplyEdits([]byte(src), fix.Edits); err != nil {
					t.Fatalf("%s: fix %q: %v", d.Code(), fix.Message, err)
				}
			}
		}
	})
}
