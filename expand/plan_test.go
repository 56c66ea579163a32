package expand

import (
	"context"
	"errors"
	"testing"
)

// The planner decides once per setup and word; what depends on a case's
// arguments (a NUL byte in one) must still be decided per case.
func TestPlanPerCaseArguments(t *testing.T) {
	needShell(t, "bash")
	cases := []WordCase{
		{Word: `"$1"`, Args: []string{"a\x00b"}},
		{Word: `"$1"`, Args: []string{"ok"}},
		{Word: `"$1"`, Arg0: "x\x00"},
		{Word: `$(id)`},
		{Word: `$(id)`, Args: []string{"again"}},
	}
	rs, err := EvalWords(context.Background(), "bash", cases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rs[0].Err, ErrNUL) || !errors.Is(rs[2].Err, ErrNUL) {
		t.Errorf("NUL in an argument or $0: got %v, %v", rs[0].Err, rs[2].Err)
	}
	if rs[1].Err != nil || len(rs[1].Fields) != 1 || rs[1].Fields[0] != "ok" {
		t.Errorf("same word, clean arguments: got %+v", rs[1])
	}
	for _, i := range []int{3, 4} {
		if !errors.Is(rs[i].Err, ErrExecRefused) {
			t.Errorf("case %d: command substitution not refused: %+v", i, rs[i])
		}
	}
}
