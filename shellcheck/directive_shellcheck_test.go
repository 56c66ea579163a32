package shellcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/quirkcheck/quirk/shellcheck/internal/realshellcheck"
)

// shellCheckComments writes src to a file and returns what real ShellCheck
// reports on it.
func shellCheckComments(t *testing.T, src string) []realshellcheck.Comment {
	t.Helper()
	file := filepath.Join(t.TempDir(), "t.sh")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return realshellcheck.Comments(t, file)
}

// The directive forms quirk documents must not break real ShellCheck (a
// directive ShellCheck cannot parse makes it stop checking the file), and the
// form quirk warns about must really break it.
func TestDirectivesRealShellCheckAccepts(t *testing.T) {
	codes := func(src string) []int {
		t.Helper()
		var cs []int
		for _, c := range shellCheckComments(t, src) {
			cs = append(cs, c.Code)
		}
		return cs
	}
	for _, src := range []string{
		"#!/bin/bash\n# quirk disable=QK5001 -- deliberate\necho \"${@:0}\"\n",
		"#!/bin/bash\necho \"${@:0}\" # quirk disable=QK5001 -- deliberate\n",
		"#!/bin/bash\n# quirk disable-file=QK5001,positional-slice-zero -- generated\necho \"${@:0}\"\n",
		"#!/bin/bash\n# shellcheck disable=SC5001\necho \"${@:0}\"\n",
		"#!/bin/bash\n# shellcheck disable=all\necho \"${@:0}\"\n",
	} {
		for _, c := range codes(src) {
			if c < 2000 {
				t.Errorf("ShellCheck reports SC%d on the documented directive in:\n%s", c, src)
			}
		}
	}
	broken := codes("#!/bin/bash\n# shellcheck disable=QK5001\necho \"${@:0}\"\n")
	if !slices.Contains(broken, 1073) {
		t.Errorf("# shellcheck disable=QK5001 no longer breaks ShellCheck (got %v): revisit the QK5900 warning", broken)
	}
}

// A "# shellcheck disable=" directive must silence in quirk exactly what it
// silences in ShellCheck: every unquoted $@ ShellCheck still reports as
// SC2068 quirk must still report as QK5011 (which SC2068 maps to), at the
// same line and column, and no other. The scripts probe the scope's edges:
// a second command after ";" on the directive's line (not covered), and-or
// lists, pipelines and here-documents (covered), "all", a directive before
// the first command (the whole file), and one after a word that opens a
// list ("( # shellcheck …"), which covers the next command.
func TestDirectiveScopeMatchesShellCheck(t *testing.T) {
	const lead = "#!/bin/bash\nf() { :; }\n" // a command first: directives below are not file-wide
	for name, src := range map[string]string{
		"semicolon":    lead + "# shellcheck disable=SC2068\necho $@; echo $@\necho $@\n",
		"and-or":       lead + "# shellcheck disable=SC2068\necho $@ && cat $@ || wc $@\necho $@\n",
		"pipeline":     lead + "# shellcheck disable=SC2068\necho $@ | cat $@ &\necho $@\n",
		"compound":     lead + "# shellcheck disable=SC2068\nif true; then\n\techo $@\nfi; echo $@\necho $@\n",
		"here-doc":     lead + "# shellcheck disable=SC2068\ncat <<EOF; echo $@\n$(echo $@)\nEOF\necho $@\n",
		"blank lines":  lead + "# shellcheck disable=SC2068\n\n\necho $@\necho $@\n",
		"nested":       lead + "g() {\n\t# shellcheck disable=SC2068\n\techo $@; echo $@\n\techo $@\n}\ng\n",
		"all":          lead + "# shellcheck disable=all\necho $@; echo $@\necho $@ | cat $@\n",
		"all in list":  lead + "# shellcheck disable=SC2034,all\necho $@\necho $@\n",
		"all file":     "#!/bin/bash\n# shellcheck disable=all\necho $@\nf() { echo $@; }\n",
		"other code":   lead + "# shellcheck disable=SC2086\necho $@\n",
		"after (":      lead + "( # shellcheck disable=SC2068\n\techo $@; echo $@\n)\necho $@\n",
		"after {":      lead + "{ # shellcheck disable=SC2068\n\techo $@; echo $@\n}\necho $@\n",
		"after then":   lead + "if true; then # shellcheck disable=SC2068\n\techo $@; echo $@\nfi\necho $@\n",
		"after do":     lead + "for a; do # shellcheck disable=SC2068\n\techo $@ $a; echo $@\ndone\n",
		"after else":   lead + "if true; then :; else # shellcheck disable=SC2068\n\techo $@; echo $@\nfi\n",
		"other prefix": lead + "# shellcheck disable=SC2000-SC2067\necho $@\n",
	} {
		t.Run(name, func(t *testing.T) {
			var want []string
			for _, c := range shellCheckComments(t, src) {
				if c.Code == 2068 {
					want = append(want, fmt.Sprintf("%d:%d", c.Line, c.Column))
				}
			}
			res, err := Check("t.bash", []byte(src), Options{Include: []string{"QK5011"}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range res.Diagnostics {
				line, col := LineCol(res.Src, d.Start)
				got = append(got, fmt.Sprintf("%d:%d", line, col))
			}
			if !slices.Equal(got, want) {
				t.Errorf("quirk reports QK5011 at %v, ShellCheck SC2068 at %v, in:\n%s", got, want, src)
			}
		})
	}
}
