package expand

import (
	"os"
	"strings"
	"testing"
)

// TestSandboxArtefacts: what the sandbox used to break (issue #8), each in
// every shell it applies to.
func TestSandboxArtefacts(t *testing.T) {
	t.Run("here-documents and here-strings", func(t *testing.T) {
		// mksh, zsh and ksh93 write them to temporary files, which the old
		// Landlock rules denied: they came out empty.
		for _, e := range []string{"bash", "mksh", "zsh", "ksh", Mvdan} {
			needShell(t, e)
			r := evalOne(t, e, WordCase{Setup: "read -r x <<EOF\nhello\nEOF\nread -r y <<< str", Word: `"$x" "$y"`}, Options{})
			if got := FieldString(r); got != "<hello><str>" {
				t.Errorf("%s: got %s, stderr %q", e, got, r.Stderr)
			}
		}
		for _, e := range []string{"dash", "ash"} {
			needShell(t, e)
			r := evalOne(t, e, WordCase{Setup: "read -r x <<EOF\nhello\nEOF", Word: `"$x"`}, Options{})
			if got := FieldString(r); got != "<hello>" {
				t.Errorf("%s: got %s, stderr %q", e, got, r.Stderr)
			}
		}
	})
	t.Run("ksh93 command substitution with AllowExec", func(t *testing.T) {
		needShell(t, "ksh")
		r := evalOne(t, "ksh", WordCase{Word: `"$(echo hi)" "$(print -r -- x)"`}, Options{AllowExec: true})
		if got := FieldString(r); got != "<hi><x>" {
			t.Errorf("got %s, stderr %q", got, r.Stderr)
		}
	})
	t.Run("no fd 3 in scripts", func(t *testing.T) {
		for _, e := range Engines() {
			needShell(t, e)
			rs, err := EvalScripts(t.Context(), e, []ScriptCase{{Script: `if [ -e /proc/$$/fd/3 ]; then echo open; else echo closed; fi`}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rs[0].Stdout != "closed\n" {
				t.Errorf("%s: fd 3: %s", e, rs[0])
			}
		}
	})
	t.Run("plain cases do not leak into the next", func(t *testing.T) {
		for _, e := range []string{"bash", "dash", Mvdan} {
			needShell(t, e)
			rs, err := EvalWords(t.Context(), e, []WordCase{{Word: `x && set -f`}, {Word: `*`}}, Options{Files: []string{"a"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := FieldString(rs[1]); got != "<a>" {
				t.Errorf("%s: set -f leaked: * gave %s", e, got)
			}
		}
	})
	t.Run("the mvdan engine sees the sandbox", func(t *testing.T) {
		// In process it saw HOME=/root, UID=0 and root's view of the
		// host's files.
		if os.Geteuid() != 0 {
			t.Skip("skipping: the drop to uid 65534 needs root")
		}
		for _, e := range []string{"bash", Mvdan} {
			needShell(t, e)
			r := evalOne(t, e, WordCase{Setup: `[ -e /root ]; a=$?; [ -w /usr ]; b=$?; [ -r /etc/shadow ]; c=$?`, Word: `"$HOME" "$UID" "$a$b$c"`}, Options{})
			if got := FieldString(r); got != "<><65534><111>" {
				t.Errorf("%s: got %s, stderr %q", e, got, r.Stderr)
			}
		}
	})
	t.Run("empty $0", func(t *testing.T) {
		needShell(t, "bash")
		r := evalOne(t, "bash", WordCase{Word: `"<$0>"`}, Options{})
		if got := FieldString(r); got != "<<>>" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("scripts over 128 KiB", func(t *testing.T) {
		big := strings.Repeat("# padding padding padding padding padding padding padding padding\n", 3000) + `echo "ok $# $0 $1"` + "\n"
		if len(big) < 160<<10 {
			t.Fatalf("script only %d bytes", len(big))
		}
		for _, e := range []string{"bash", "dash", "zsh", Mvdan} {
			needShell(t, e)
			rs, err := EvalScripts(t.Context(), e, []ScriptCase{{Script: big, Arg0: "t.sh", Args: []string{"a"}}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rs[0].Err != nil || rs[0].Stdout != "ok 1 t.sh a\n" {
				t.Errorf("%s: %s", e, rs[0])
			}
		}
	})
}
