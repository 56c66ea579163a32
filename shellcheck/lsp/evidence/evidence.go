// Package evidence connects the language server's hovers to quirk's
// real-shell sandbox (package expand, through shellcheck/confirm). It is a
// package of its own so that the server links no shell runner unless the
// command asks for one.
package evidence

import (
	"context"
	"strings"

	"github.com/quirkcheck/quirk/expand"
	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/confirm"
)

// Sandbox runs findings in real shells inside expand's sandbox.
type Sandbox struct{}

// Ready runs one trivial word in bash and reports the sandbox complete
// only when it ran with no weakening notes (no missing namespace, no
// missing Landlock, a dropped user): an editor opens untrusted scripts,
// and a hover must not be the way one of them reaches the machine.
func (Sandbox) Ready(ctx context.Context) (bool, string) {
	rs, err := expand.EvalWords(ctx, "bash", []expand.WordCase{{Word: "ok"}}, expand.Options{})
	if err != nil {
		return false, err.Error()
	}
	if len(rs) != 1 {
		return false, "no result from the sandbox"
	}
	if rs[0].Err != nil {
		return false, rs[0].Err.Error()
	}
	if len(rs[0].Notes) > 0 {
		return false, strings.Join(rs[0].Notes, "; ")
	}
	return true, ""
}

// Confirm attaches the shells' evidence to res's findings.
func (Sandbox) Confirm(ctx context.Context, res *shellcheck.Result) error {
	return confirm.Result(ctx, res)
}
