package check

import (
	"slices"
	"testing"
)

func TestExpandShortOptions(t *testing.T) {
	fs, _ := newFlagSet()
	for _, tc := range []struct{ in, want []string }{
		{[]string{"-fgcc", "a.sh"}, []string{"-f", "gcc", "a.sh"}},
		{[]string{"-xa"}, []string{"-x", "-a"}},
		{[]string{"-Calways"}, []string{"-C=always"}},
		{[]string{"-C", "a.sh"}, []string{"-C", "a.sh"}},
		{[]string{"-W0"}, []string{"-W", "0"}},
		{[]string{"-eSC2034,SC2086"}, []string{"-e", "SC2034,SC2086"}},
		{[]string{"-xfjson1"}, []string{"-x", "-f", "json1"}},
		// A flag's value is never expanded, even when it looks like a bundle.
		{[]string{"-e", "-xa"}, []string{"-e", "-xa"}},
		// Whole flag names, long options, "-" and "--" stay as they are.
		{[]string{"-norc", "--format=gcc", "-", "--", "-fgcc"}, []string{"-norc", "--format=gcc", "-", "--", "-fgcc"}},
		// Unknown letters are left for the flag package to reject.
		{[]string{"-qz"}, []string{"-qz"}},
	} {
		if got := expandShortOptions(fs, tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("expandShortOptions(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestShellCheckNumbers(t *testing.T) {
	got := shellCheckNumbers([]string{"2034", "SC2086", "5001", "SC5001", "sc5008", "QK5003", "positional-slice-zero"})
	want := []string{"SC2034", "SC2086", "5001", "QK5001", "QK5008", "QK5003", "positional-slice-zero"}
	if !slices.Equal(got, want) {
		t.Errorf("shellCheckNumbers = %q, want %q", got, want)
	}
}
