package expand

import (
	"errors"
	"testing"
)

func TestCheckNoExec(t *testing.T) {
	for _, tc := range []struct {
		src     string
		refused bool
	}{
		{`"${@:0}"`, false},
		{`$((1 + 2))`, false},
		{`$((a b))`, false}, // an arithmetic syntax error is the shell's to report (issue #8)
		{`"$((a b))" $((c d))`, false},
		{`$((x) )`, true}, // bash: a command substitution of a subshell
		{`$(( $(id) ))`, true},
		{`$(id)`, true},
		{"`id`", true},
		{`<(id)`, true},
		{`/usr/bin/id`, true},
		{`"eval" id`, true},
		{`\eval id`, true},
		{`e'val' id`, true},
		{`PATH=/usr/bin; id`, true},
		{`BASH_CMDS[x]=/usr/bin/id`, true},
		{`hash -p /usr/bin/id x`, true},
		{`mapfile -C id a`, true},
		{`compgen -C id x`, true},
		{`IFS=,; set -f`, false},
		{`printf '%s\n' "$@"`, false},
	} {
		err := CheckNoExec(tc.src)
		if got := errors.Is(err, ErrExecRefused); got != tc.refused {
			t.Errorf("CheckNoExec(%q) = %v, want refused=%v", tc.src, err, tc.refused)
		}
	}
}
