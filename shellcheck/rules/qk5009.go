package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"mvdan.cc/sh/v3/syntax"
)

// JoinedPath reports "$*" joined with a changed IFS where one word is used
// as a command or a path.
var JoinedPath = register(&analysis.Analyzer{
	ID:       "QK5009",
	Name:     "star-joined-with-changed-ifs",
	Severity: analysis.Warning,
	Doc: `"$*" joined with a changed IFS, used as a path or command

"$*" joins the arguments with the first character of IFS. After IFS=, it
gives "a,b c,d", and an empty IFS glues them together: as a file name or a
command that is rarely what was meant. A prefix assignment is the other trap:
in IFS=, cmd "$*" the assignment applies to cmd's environment, not to the
expansion of its arguments, which uses the IFS from before the line.

Bad:
    IFS=:
    cd "$*"                   # cd "a:b c:d"
    IFS=, printf '%s\n' "$*"  # still joined with spaces

Good:
    cd "$1"
    (IFS=,; printf '%s\n' "$*")`,
	Hint:  `pass the arguments separately with "$@", or reset IFS (IFS=$' \t\n') before using "$*"`,
	Probe: joinedPathProbe,
	Run:   runJoinedPath,
})

// pathCommands take file names; a joined "$*" as their argument is a path.
var pathCommands = map[string]bool{
	"cd": true, "pushd": true, "cat": true, "rm": true, "rmdir": true, "cp": true, "mv": true,
	"mkdir": true, "touch": true, "ls": true, "ln": true, "chmod": true, "chown": true, "chgrp": true,
	"source": true, ".": true, "exec": true, "stat": true, "tar": true, "install": true, "readlink": true,
	"realpath": true, "dirname": true, "basename": true, "head": true, "tail": true, "test": true, "[": true,
}

func runJoinedPath(p *analysis.Pass) {
	for _, ref := range p.Index.Lists {
		if !ref.IsList() || ref.Name() != "*" || ref.Quote == nil || ref.Nested || ref.Exp.Length {
			continue
		}
		expr := exprOf(p, ref)
		if ref.Context == analysis.CtxArg && ref.Call != nil {
			if prefix := ifsPrefix(ref.Call); prefix != nil {
				p.Report(analysis.Diagnostic{
					Start: offset(ref.Exp),
					End:   end(ref.Exp),
					Message: fmt.Sprintf(`%s is expanded before %s takes effect: a prefix assignment applies to the command's environment, so the arguments are joined with the IFS from before this line; set IFS in a subshell first: (IFS=…; cmd %s)`,
						expr, p.Text(prefix), expr),
					Expr: expr,
				})
				continue
			}
		}
		// A function that every call here passes one argument joins nothing.
		if _, most, called := p.Index.CallArity(ref.Func); called && most <= 1 {
			continue
		}
		ifs, ok := p.Index.IFSAt(ref.Func, offset(ref.Exp))
		if !ok || ifs.Default || ifs.Value != "" && ifs.Value[0] == ' ' {
			continue
		}
		var role string
		switch {
		case ref.Context == analysis.CtxRedirect:
			role = "a file name"
		case ref.Context == analysis.CtxArg && ref.Call != nil && ref.ArgPos == 0:
			role = "the command name"
		case ref.Context == analysis.CtxArg && ref.Call != nil && ref.ArgPos > 0 && pathCommands[ref.Call.Args[0].Lit()]:
			role = "a path for " + ref.Call.Args[0].Lit()
		default:
			continue
		}
		sep := "nothing (IFS is empty)"
		if ifs.Value != "" {
			sep = strconv.Quote(ifs.Value[:1])
		}
		p.Report(analysis.Diagnostic{
			Start: offset(ref.Exp),
			End:   end(ref.Exp),
			Message: fmt.Sprintf(`%s joins the arguments with %s because IFS was changed above, and the result is used as %s; use "$@" to keep them apart, or reset IFS first`,
				expr, sep, role),
			Expr:  expr,
			Setup: "IFS=" + shellQuote(ifs.Value),
		})
	}
}

// ifsPrefix returns an IFS=… prefix assignment of call.
func ifsPrefix(call *syntax.CallExpr) *syntax.Assign {
	for _, a := range call.Assigns {
		if a.Name != nil && a.Name.Value == "IFS" {
			return a
		}
	}
	return nil
}

func shellQuote(s string) string {
	q, err := syntax.Quote(s, syntax.LangBash)
	if err != nil {
		return "''"
	}
	return q
}

// After IFS=… the arguments come out as one word that is not what a space
// would have joined; after a prefix assignment (no setup), they come out
// joined with spaces although the line sets IFS.
var joinedPathProbe = &analysis.Probe{Shows: func(e *analysis.Evaluation) bool {
	args, f := e.Case.Args, e.Got.Fields
	if len(args) < 2 || len(f) != 1 {
		return false
	}
	spaced := f[0] == strings.Join(args, " ")
	if e.Case.Setup == "" {
		return spaced
	}
	return !spaced
}}
