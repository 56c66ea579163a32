package spec

import (
	"strings"
	"testing"
)

const sample = `## compare_shells: bash dash mksh

#### slice
set -- a 'b c'
argv.py "${@:1}"
## STDOUT:
['a', 'b c']
## END
## N-I dash status: 2
## N-I dash stdout-json: ""
## OK mksh/zsh STDOUT:
mk
## BUG zsh STDOUT:
zz
## END

#### status only
false
## status: 1
## stdout: x
`

func TestParse(t *testing.T) {
	f, err := Parse(strings.NewReader(sample), "s.test.sh")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.CompareShells, " "); got != "bash dash mksh" {
		t.Errorf("compare_shells %q", got)
	}
	if len(f.Cases) != 2 {
		t.Fatalf("%d cases", len(f.Cases))
	}
	c := f.Cases[0]
	if c.Title != "slice" || c.Code != "set -- a 'b c'\nargv.py \"${@:1}\"\n\n" || c.ID() != "s.test.sh#0" {
		t.Errorf("case 0: %q %q %s", c.Title, c.Code, c.ID())
	}
	check := func(shell, stdout string, status int, verdict string) {
		t.Helper()
		e, v := c.For(shell)
		st := 0
		if e.Status != nil {
			st = *e.Status
		}
		if e.Stdout == nil || *e.Stdout != stdout || st != status || v != verdict {
			t.Errorf("%s: stdout %v status %d verdict %s", shell, e.Stdout, st, v)
		}
	}
	check("bash", "['a', 'b c']\n", 0, "PASS")
	check("dash", "", 2, "N-I")
	check("mksh", "mk\n", 0, "OK") // block ended by the next assertion
	check("zsh", "zz\n", 0, "BUG")
	e, _ := f.Cases[1].For("bash")
	if *e.Status != 1 || *e.Stdout != "x\n" {
		t.Errorf("case 1: %+v", e)
	}
	if _, err := Parse(strings.NewReader("#### x\n## STDOUT:\nfoo\n"), "bad"); err == nil {
		t.Error("unclosed block accepted")
	}
}
