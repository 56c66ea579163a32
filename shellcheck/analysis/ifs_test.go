package analysis

import (
	"fmt"
	"strings"
	"testing"
)

func TestIFSChanges(t *testing.T) {
	tests := []struct{ src, want string }{
		{"IFS=,", `"," literal`},
		{"IFS=", `"" literal`},
		{"IFS=$' \\t\\n'", `" \t\n" literal default`},
		{"IFS=$old", `"" default`}, // a restore, as far as the rules can tell
		{"IFS=, read -r a b", `"," literal prefix`},
		{"IFS=:; f() { IFS=,; }", `":" literal | "," literal in f`},
		{"echo $IFS", ``},
	}
	for _, tt := range tests {
		ix, _ := index(t, tt.src)
		var got []string
		for _, c := range ix.IFSChanges {
			s := fmt.Sprintf("%q", c.Value)
			for _, f := range []struct {
				on   bool
				name string
			}{{c.Literal, "literal"}, {c.Default, "default"}, {c.Prefix, "prefix"}} {
				if f.on {
					s += " " + f.name
				}
			}
			if c.Func != nil {
				s += " in " + c.Func.Name.Value
			}
			got = append(got, s)
		}
		if g := strings.Join(got, " | "); g != tt.want {
			t.Errorf("%q: IFS changes %s, want %s", tt.src, g, tt.want)
		}
	}
}

func TestIFSAt(t *testing.T) {
	src := "IFS=,\nIFS=: cmd\necho HERE\nIFS=-\n"
	ix, _ := index(t, src)
	c, ok := ix.IFSAt(nil, at(t, src))
	if !ok || c.Value != "," {
		t.Errorf("IFSAt = %q, %v; want the last assignment before, not a prefix or a later one", c.Value, ok)
	}
}
