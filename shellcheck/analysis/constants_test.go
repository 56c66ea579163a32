package analysis

import "testing"

func TestConstants(t *testing.T) {
	tests := []struct {
		src, name string
		value     string // "" with ok false: not a constant
		ok        bool
		intValue  int
		intOK     bool
	}{
		{"n=0", "n", "0", true, 0, true},
		{"n=-12", "n", "-12", true, -12, true},
		{`n="a b"`, "n", "a b", true, 0, false},
		{"n=$'\\t'", "n", "\t", true, 0, false},
		{"n=", "n", "", true, 0, false},
		{"n=010", "n", "010", true, 0, false}, // octal in bash: never substituted
		{"n=1+1", "n", "1+1", true, 0, false}, // an expression, not a number
		{"n='a[$(touch x)]'", "n", "a[$(touch x)]", true, 0, false},
		{"n=1; n=2", "n", "", false, 0, false},     // assigned twice
		{"n=1; ((n++))", "n", "", false, 0, false}, // changed
		{"n=1; read n", "n", "", false, 0, false},
		{"n=1; for n in a; do :; done", "n", "", false, 0, false},
		{"n=1; f() { local n; }", "n", "", false, 0, false},
		{"n=$x", "n", "", false, 0, false}, // not a literal
		{"n+=1", "n", "", false, 0, false},
		{"n=(1 2)", "n", "", false, 0, false},
		{"echo $n", "n", "", false, 0, false}, // never assigned
	}
	for _, tt := range tests {
		ix, _ := index(t, tt.src)
		v, ok := ix.Const(tt.name)
		if v != tt.value || ok != tt.ok {
			t.Errorf("%s: Const(%s) = %q, %v; want %q, %v", tt.src, tt.name, v, ok, tt.value, tt.ok)
		}
		n, ok := ix.IntConst(tt.name)
		if n != tt.intValue || ok != tt.intOK {
			t.Errorf("%s: IntConst(%s) = %d, %v; want %d, %v", tt.src, tt.name, n, ok, tt.intValue, tt.intOK)
		}
	}
}
