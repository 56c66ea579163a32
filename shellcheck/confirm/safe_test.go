package confirm

import (
	"errors"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// checkSafe lets through what probes need and nothing that would let the
// script's own data run as code.
func TestCheckSafe(t *testing.T) {
	ok := []analysis.Case{
		{Word: `"${@:0:1}"`},
		{Setup: "n=0; m=-2", Word: `"${@:$n:m}"`},
		{Setup: `a=("$@")`, Word: `"${a[@]:0:-1}"`},
		{Setup: `IFS=,; x="${@:-1}"; y="${*:-1}"`, Word: `"$x"`, Contrast: `"$y"`},
		{Setup: "IFS=$'\\t'", Word: `"$*"`},
		{Setup: "shift 3", Word: `"$#"`, Args: []string{"1", "2"}},
		{Word: `"${!#}" ${#@} $10 "x$@y" ${@:2}`},
		{Word: `"$unset_but_harmless"`},
		{Word: `"$(( $# - 1 ))"`},
	}
	for _, c := range ok {
		if err := checkSafe(c); err != nil {
			t.Errorf("refused %+v: %v", c, err)
		}
	}
	refused := []struct {
		c    analysis.Case
		want string
	}{
		{analysis.Case{Setup: `n='a[$(touch /tmp/x)]'`, Word: `"${@:$n:1}"`}, "n, whose value is not a constant"},
		{analysis.Case{Setup: `n='a[$(touch /tmp/x)]'`, Word: `"${@:n:1}"`}, "n, whose value is not a constant"},
		{analysis.Case{Word: `"${@:$n:1}"`}, "n, whose value is not a constant"},
		{analysis.Case{Word: `"${@:0:len}"`}, "len, whose value is not a constant"},
		{analysis.Case{Word: `"${a[i]}"`}, "i, whose value is not a constant"},
		{analysis.Case{Setup: `x=foo`, Word: `"$(( x + 1 ))"`}, "x, whose value is not a constant"},
		{analysis.Case{Word: `"$(touch /tmp/x)"`}, "command substitution"},
		{analysis.Case{Word: "`id`"}, "command substitution"},
		{analysis.Case{Word: `<(id)`}, "process substitution"},
		{analysis.Case{Word: `"${!name}"`}, "${!name}"},
		{analysis.Case{Word: `"${x@P}"`}, "@P"},
		{analysis.Case{Setup: "eval id", Word: `"$1"`}, `runs "eval id"`},
		{analysis.Case{Setup: "x=1 id", Word: `"$1"`}, "prefix assignment"},
		{analysis.Case{Setup: "a[$(id)]=1", Word: `"$1"`}, "not name=value"},
		{analysis.Case{Setup: "x=$(id)", Word: `"$1"`}, "command substitution"},
		{analysis.Case{Setup: "n=010", Word: `"${@:n}"`}, "n, whose value is not a constant"},
		{analysis.Case{Word: `"$1"; id`}, "more than one command"},
		{analysis.Case{Word: `"$1" > /tmp/x`}, "not a list of words"},
		{analysis.Case{Word: `"${@:$1}"`, Args: []string{"a[$(id)]"}}, "could be evaluated as code"},
		{analysis.Case{Word: `${@:$0}`}, "uses $0, the script's file name"},
		{analysis.Case{Word: `"${!0}"`}, "${!0}"},
	}
	for _, r := range refused {
		err := checkSafe(r.c)
		if err == nil {
			t.Errorf("accepted %+v", r.c)
			continue
		}
		if !strings.Contains(err.Error(), r.want) || !errors.Is(err, errNotProved) && !strings.Contains(err.Error(), "does not parse") {
			t.Errorf("%+v: error %q, want it to say %q and why", r.c, err, r.want)
		}
	}
}
