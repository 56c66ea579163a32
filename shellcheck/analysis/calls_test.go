package analysis

import (
	"fmt"
	"strings"
	"testing"
)

func TestCalls(t *testing.T) {
	tests := []struct{ src, want string }{
		{"shift 2", "shift"},
		{"shift 2 || exit", "shift checked | exit"},
		{"if shift 2; then :; fi", "shift checked | :"},
		{"! shift", "shift checked"},
		{"shift && echo", "shift checked | echo"},
		{"echo && shift", "echo checked | shift"},
		{"while [ $# -gt 0 ]; do shift 2; done", "[ checked loop | shift loop"},
		{"f() { shift; }", "shift in f"},
		{`"$cmd" x`, " "},
	}
	for _, tt := range tests {
		ix, _ := index(t, tt.src)
		var got []string
		for _, c := range ix.Calls {
			s := c.Name
			if c.StatusChecked {
				s += " checked"
			}
			if c.Loop != nil {
				s += " loop"
			}
			if c.Func != nil {
				s += " in " + c.Func.Name.Value
			}
			got = append(got, s)
		}
		if g := strings.Join(got, " | "); strings.TrimSpace(g) != strings.TrimSpace(tt.want) {
			t.Errorf("%q: calls %q, want %q", tt.src, g, tt.want)
		}
	}
}

func TestCallArity(t *testing.T) {
	src := "f() { :; }\ng() { :; }\nh() { :; }\nf a\nf a b c\ng \"$@\"\n"
	ix, file := index(t, src)
	got := map[string]string{}
	for _, fn := range ix.Funcs {
		least, most, called := ix.CallArity(fn)
		got[fn.Name.Value] = fmt.Sprint(least, most, called)
	}
	want := map[string]string{"f": "1 3 true", "g": fmt.Sprint(Unbounded, Unbounded, true), "h": "0 0 false"}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("CallArity(%s) = %s, want %s", name, got[name], w)
		}
	}
	if _, _, called := ix.CallArity(nil); called || file == nil {
		t.Error("the top level has no calls to count")
	}
}
