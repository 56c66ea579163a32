package analysis

import "mvdan.cc/sh/v3/syntax"

// IFS changes: every assignment to IFS, its literal value, whether it
// restores the default and whether it is a command prefix (IFS=, cmd).

// IFSChange is an assignment to IFS.
type IFSChange struct {
	Offset  int
	Func    *syntax.FuncDecl
	Value   string // the literal value; meaningful when Literal
	Literal bool
	Default bool // restores the default: unset IFS, IFS=$' \t\n'
	Prefix  bool // a command prefix: IFS=, cmd
	Call    *syntax.CallExpr
}

// IFSAt returns the latest IFS assignment (not a command prefix) before
// offset in the scope of fn, if any.
func (ix *Index) IFSAt(fn *syntax.FuncDecl, offset int) (IFSChange, bool) {
	var last IFSChange
	found := false
	for _, c := range ix.IFSChanges {
		if c.Func == fn && !c.Prefix && c.Offset < offset {
			last, found = c, true
		}
	}
	return last, found
}

// addIFS records an assignment to IFS.
func (ix *Index) addIFS(a *syntax.Assign, stack []syntax.Node) {
	c := IFSChange{Offset: int(a.Pos().Offset()), Func: enclosingFunc(stack)}
	if a.Value == nil {
		c.Literal = true
	} else {
		c.Value, c.Literal = literalValue(a.Value)
	}
	// A non-literal value (IFS=$oldifs) is taken as a restore: the rules
	// cannot tell, and guessing "changed" would flag every save/restore.
	c.Default = !c.Literal || c.Value == " \t\n"
	if call, ok := parentOf(stack).(*syntax.CallExpr); ok && len(call.Args) > 0 {
		c.Prefix, c.Call = true, call
	}
	ix.IFSChanges = append(ix.IFSChanges, c)
}
