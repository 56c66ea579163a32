package expand

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// evaluators are builtins that run a string, a file or a path as shell
// code or as a command, which would let a word run commands without any
// visible substitution.
var evaluators = map[string]bool{
	"eval": true, "exec": true, ".": true, "source": true, "command": true, "builtin": true, "trap": true,
	"hash": true, "compgen": true, "complete": true, "mapfile": true, "readarray": true, "enable": true,
	"zmodload": true, "autoload": true, "fc": true,
}

// commandVariables are variables whose value is run or looked up as a
// command: assigning one is refused like a command named by a path.
var commandVariables = map[string]bool{"PATH": true, "BASH_CMDS": true, "PS4": true, "PROMPT_COMMAND": true, "BASH_ENV": true, "ENV": true, "fpath": true, "FPATH": true}

// CheckNoExec reports, as an error wrapping ErrExecRefused, the first
// construct in src that plainly runs a command: command or process
// substitution, a command named by a path, an assignment to PATH-like
// variables, or a builtin that evaluates strings (also when quoted or
// escaped, as in "eval" or \eval). When src does not parse, a textual
// scan decides, so a syntax error cannot smuggle a substitution past it.
//
// The check is advisory, not a security boundary: shells run code hidden
// in data in ways no syntax check can see ($((x)) with x='a[$(cmd)]',
// "${@:n}" likewise, ${x@P}, printf -v, declare, ${(e)x} in zsh, …). The
// sandbox is the guarantee; TestRefusalIsAdvisory shows each such
// construct contained by it.
func CheckNoExec(src string) error {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil {
		return scanNoExec(src)
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
		case *syntax.Assign:
			if n.Name != nil && commandVariables[n.Name.Value] {
				found = fmt.Errorf("%w: assignment to %s", ErrExecRefused, n.Name.Value)
			}
		case *syntax.CallExpr:
			if len(n.Args) > 0 {
				if name := unquotedLit(n.Args[0]); strings.Contains(name, "/") {
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

// unquotedLit is a word's text with quotes and backslashes removed, when it
// is made of literal parts only ("eval", \eval, 'e'val); otherwise "".
func unquotedLit(w *syntax.Word) string {
	var b strings.Builder
	var lit func(parts []syntax.WordPart) bool
	lit = func(parts []syntax.WordPart) bool {
		for _, p := range parts {
			switch p := p.(type) {
			case *syntax.Lit:
				b.WriteString(strings.ReplaceAll(p.Value, "\\", ""))
			case *syntax.SglQuoted:
				b.WriteString(p.Value)
			case *syntax.DblQuoted:
				if !lit(p.Parts) {
					return false
				}
			default:
				return false
			}
		}
		return true
	}
	if !lit(w.Parts) {
		return ""
	}
	return b.String()
}

// scanNoExec is the check for source that does not parse: any "$(" that
// does not open an arithmetic expansion "$((…))", a backquote or a process
// substitution is refused.
func scanNoExec(src string) error {
	for _, tok := range []string{"`", "<(", ">("} {
		if strings.Contains(src, tok) {
			return fmt.Errorf("%w: %q contains %s", ErrExecRefused, src, tok)
		}
	}
	for i := 0; i < len(src); i++ {
		if !strings.HasPrefix(src[i:], "$(") {
			continue
		}
		end, ok := arithmEnd(src, i)
		if !ok {
			return fmt.Errorf("%w: %q contains $(", ErrExecRefused, src)
		}
		i = end - 1
	}
	return nil
}

// arithmEnd reports whether src[i:] starts an arithmetic expansion
// "$((…))" whose parentheses close as one (bash reads "$((a) )" as a
// command substitution of a subshell), and where it ends. A "$(" inside is
// found by the caller's scan of the rest, since only the end is skipped.
func arithmEnd(src string, i int) (int, bool) {
	if !strings.HasPrefix(src[i:], "$((") {
		return 0, false
	}
	depth := 0
	for j := i + 3; j < len(src); j++ {
		switch src[j] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
				continue
			}
			if j+1 < len(src) && src[j+1] == ')' {
				if strings.Contains(src[i+3:j], "$(") || strings.Contains(src[i+3:j], "`") {
					return 0, false
				}
				return j + 2, true
			}
			return 0, false
		}
	}
	return 0, false
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
