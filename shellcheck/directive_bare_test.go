package shellcheck

import "testing"

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
