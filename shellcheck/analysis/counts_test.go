package analysis

import "testing"

// MinArgs at HERE: what the script made sure of about $# before that point.
func TestMinArgs(t *testing.T) {
	tests := []struct {
		src  string
		want int
	}{
		{"echo HERE", 0},
		{"[ $# -ge 2 ] || exit\necho HERE", 2},
		{"[ $# -lt 3 ] && usage\necho HERE", 3},
		{"[ $# -gt 1 ] || exit\necho HERE", 2},
		{"[ 2 -le $# ] || exit\necho HERE", 2},
		{"(( $# >= 4 )) || exit\necho HERE", 4},
		{"[[ $# -eq 1 ]] || exit\necho HERE", 1},
		{"[ $# -lt $n ] && exit\necho HERE", Unbounded},
		{"x=${3:?usage}\necho HERE", 3},
		{"[ -z \"$2\" ] && exit\necho HERE", 2},
		{"pid=$2\n[ -z \"$pid\" ] && exit\necho HERE", 2},
		{"set -- a b c\necho HERE", 3},
		{"set -- \"$@\" x\necho HERE", Unbounded},
		{"case $# in 0) exit;; esac\necho HERE", Unbounded},
		{"eval set -- \"$(getopt -o a: -- \"$@\")\"\necho HERE", Unbounded},
		{"echo HERE\n[ $# -ge 2 ] || exit", 0},                            // after the point
		{"case $1 in -a) [ $# -ge 2 ] || exit;; -b) echo HERE;; esac", 0}, // another branch
		{"f() { [ $# -ge 2 ] || return; }\necho HERE", 0},                 // another scope
	}
	for _, tt := range tests {
		ix, _ := index(t, tt.src)
		if got := ix.MinArgs(nil, at(t, tt.src)); got != tt.want {
			t.Errorf("%q: MinArgs = %d, want %d", tt.src, got, tt.want)
		}
	}
}

// Inside a function, what every call passes counts as made sure of.
func TestMinArgsFromCallers(t *testing.T) {
	src := "f() { echo HERE; }\nf a b\nf a b c\n"
	ix, _ := index(t, src)
	if got := ix.MinArgs(ix.Funcs[0], at(t, src)); got != 2 {
		t.Errorf("MinArgs in f = %d, want 2 (the fewest any call passes)", got)
	}
}
