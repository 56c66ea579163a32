package expand

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// evaluators are builtins that run a string or a file as shell code, which
// would let a word run commands without any visible substitution.
var evaluators = map[string]bool{"eval": true, "exec": true, ".": true, "source": true, "command": true, "builtin": true, "trap": true}

// CheckNoExec reports, as an error wrapping ErrExecRefused, the first
// construct in src that would run a command: command or process
// substitution, a command named by a path, or a builtin that evaluates
// strings. Plain builtins and functions are fine: PATH holds no commands.
// When src does not parse, a textual scan decides, so a syntax error cannot
// smuggle a substitution past the check.
func CheckNoExec(src string) error {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil {
		for _, tok := range []string{"$(", "`", "<(", ">("} {
			if strings.Contains(src, tok) {
				return fmt.Errorf("%w: %q contains %s", ErrExecRefused, src, tok)
			}
		}
		return nil
	}
	var found error
	syntax.Walk(f, func(n syntax.Node) bool {
		if found != nil {
			return false
		}
		switch n := n.(type) {
		case *syntax.CmdSubst:
			found = fmt.Errorf("%w: command substitution", ErrExecRefused)
		case *syntax.ProcSubst:
			found = fmt.Errorf("%w: process substitution", ErrExecRefused)
		case *syntax.CallExpr:
			if len(n.Args) > 0 {
				if name := n.Args[0].Lit(); strings.Contains(name, "/") {
					found = fmt.Errorf("%w: command %q named by a path", ErrExecRefused, name)
				} else if evaluators[name] {
					found = fmt.Errorf("%w: builtin %q evaluates code", ErrExecRefused, name)
				}
			}
		}
		return found == nil
	})
	return found
}

// ErrNUL: a word, script or argument holds a NUL byte, which no argv can
// carry.
var ErrNUL = errors.New("a NUL byte cannot be passed to a shell")

// admit is the one check every case passes before any engine sees it: no
// NUL byte in src or args, and, without AllowExec, no construct
// CheckNoExec refuses.
func admit(src string, args []string, opts Options) error {
	if strings.ContainsRune(src, 0) || slices.ContainsFunc(args, func(a string) bool { return strings.ContainsRune(a, 0) }) {
		return ErrNUL
	}
	if !opts.AllowExec {
		return CheckNoExec(src)
	}
	return nil
}
