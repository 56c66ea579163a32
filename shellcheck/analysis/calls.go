package analysis

import "mvdan.cc/sh/v3/syntax"

// Simple commands: each call with its literal name, whether its exit status
// is looked at and the loop around it, and per function the fewest and most
// arguments its calls in the file pass (call arity).

// CallRef is one simple command.
type CallRef struct {
	Call *syntax.CallExpr
	Stmt *syntax.Stmt
	Func *syntax.FuncDecl
	Name string // the literal command name, or "" when it is not literal
	// StatusChecked is true when the command's exit status decides what runs
	// next: an if/while/until condition, the left side of && or ||, or "!".
	StatusChecked bool
	Loop          *syntax.WhileClause // innermost enclosing while/until loop
}

// CallArity returns the fewest and most arguments that the calls of function
// fn in this file pass, and false when fn is never called here.
func (ix *Index) CallArity(fn *syntax.FuncDecl) (least, most int, called bool) {
	if fn == nil {
		return 0, 0, false
	}
	a, ok := ix.arity[fn.Name.Value]
	return a[0], a[1], ok
}

func (ix *Index) addCall(call *syntax.CallExpr, stack []syntax.Node) {
	ref := &CallRef{Call: call, Func: enclosingFunc(stack)}
	if len(call.Args) > 0 {
		ref.Name = call.Args[0].Lit()
	}
	// Find the statement and whether its status is looked at.
	for i := len(stack) - 1; i >= 0; i-- {
		st, ok := stack[i].(*syntax.Stmt)
		if !ok {
			continue
		}
		if ref.Stmt == nil {
			ref.Stmt = st
		}
		if st.Negated {
			ref.StatusChecked = true
		}
		if i == 0 {
			break
		}
		switch p := stack[i-1].(type) {
		case *syntax.BinaryCmd:
			if p.X == st && (p.Op == syntax.AndStmt || p.Op == syntax.OrStmt) {
				ref.StatusChecked = true
			}
			continue // the BinaryCmd's own statement may be checked too
		case *syntax.IfClause:
			ref.StatusChecked = ref.StatusChecked || stmtIn(st, p.Cond)
		case *syntax.WhileClause:
			ref.StatusChecked = ref.StatusChecked || stmtIn(st, p.Cond)
		}
		if ref.Stmt != st {
			break
		}
	}
	for i := len(stack) - 1; i >= 0; i-- {
		if w, ok := stack[i].(*syntax.WhileClause); ok {
			ref.Loop = w
			break
		}
	}
	ix.Calls = append(ix.Calls, ref)
	if ref.Name != "" && len(call.Args) > 0 {
		n := len(call.Args) - 1
		for _, w := range call.Args[1:] {
			if hasListExpansion(w) {
				n = Unbounded
			}
		}
		least, most := n, n
		if old, ok := ix.arity[ref.Name]; ok {
			least, most = min(old[0], n), max(old[1], n)
		}
		ix.arity[ref.Name] = [2]int{least, most}
	}

	switch ref.Name {
	case "set":
		ix.addSetCount(call, stack)
		ix.noteOptions(call.Args[1:], ref.Func == nil)
		ix.noteGlobSet(call, ref.Func)
	case "shopt":
		ix.noteShopt(call.Args[1:], ref.Func == nil)
	case "eval":
		// eval set -- "$(getopt …)", or eval "set -- $PARSED" after
		// PARSED=$(getopt …): getopt has made sure every option that takes
		// a value has one, so the count is the script's to trust.
		if len(call.Args) > 2 && call.Args[1].Lit() == "set" || len(call.Args) > 1 && evalsSet(call.Args[1]) {
			ix.CountChecks = append(ix.CountChecks, newCheck(int(call.Pos().Offset()), stack, Unbounded))
		}
	case "[", "test":
		ix.addBracketCount(call, stack)
	case "read", "mapfile", "readarray":
		ix.noteArrayCall(call, ref.Name)
	}
	switch ref.Name {
	case "read", "getopts", "unset", "mapfile", "readarray", "printf", "let", "export", "declare", "typeset", "local":
		for _, a := range call.Args[1:] {
			if l := a.Lit(); syntax.ValidName(l) {
				ix.changed(l)
			}
		}
	}
}

// hasListExpansion reports words whose number of fields is unknown: "$@",
// ${a[@]}, command substitutions, or any unquoted expansion. It looks at the
// word's parts directly instead of walking, since it runs on every argument.
func hasListExpansion(w *syntax.Word) bool {
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit, *syntax.SglQuoted:
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				switch q := q.(type) {
				case *syntax.ParamExp:
					if q.Param != nil && (q.Param.Value == "@" || q.Param.Value == "*") || q.Index != nil {
						return true
					}
				case *syntax.CmdSubst:
					return true
				}
			}
		default:
			return true
		}
	}
	return false
}
