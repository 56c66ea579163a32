package analysis

import (
	"bytes"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Context says where a parameter expansion sits, which decides whether it is
// split, globbed or joined.
type Context int

const (
	CtxOther    Context = iota
	CtxArg              // a word of a simple command (including its name)
	CtxAssign           // the value of a scalar assignment: joined, not split
	CtxArray            // an element of an array literal: a=( … )
	CtxTest             // inside [[ … ]]: not split
	CtxArith            // inside arithmetic
	CtxRedirect         // a redirection target
	CtxCase             // the word of a case statement or a pattern
	CtxList             // the word list of a for or select loop
	CtxHeredoc          // the body of a here-document, or a here-string
)

// ParamRef is one parameter expansion with what the rules need to know about
// its surroundings.
type ParamRef struct {
	Exp     *syntax.ParamExp
	Word    *syntax.Word      // the word that holds it; nil in arithmetic
	Quote   *syntax.DblQuoted // innermost enclosing double quotes, or nil
	Context Context
	Call    *syntax.CallExpr // the simple command, when Context is CtxArg
	ArgPos  int              // index of Word in Call.Args, when Context is CtxArg
	Assign  *syntax.Assign   // when Context is CtxAssign or CtxArray
	// PrefixAssign is set when Assign is a prefix of a command (IFS=, cmd).
	PrefixAssign bool
	Func         *syntax.FuncDecl // innermost enclosing function, or nil
	Stmt         *syntax.Stmt     // innermost enclosing statement
	Nested       bool             // inside another expansion's operand
}

// Name is the parameter name: "@", "*", "1", "foo".
func (r *ParamRef) Name() string {
	if r.Exp.Param == nil {
		return ""
	}
	return r.Exp.Param.Value
}

// IsList reports whether the expansion is $@ or $* (any operator applied).
func (r *ParamRef) IsList() bool {
	n := r.Name()
	return (n == "@" || n == "*") && r.Exp.Index == nil
}

// IsArrayAll reports whether the expansion is ${a[@]} or ${a[*]}.
func (r *ParamRef) IsArrayAll() bool {
	if r.Exp.Index == nil {
		return false
	}
	w, ok := r.Exp.Index.(*syntax.Word)
	if !ok {
		return false
	}
	l := w.Lit()
	return l == "@" || l == "*"
}

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

// CountCheck is a place where the script compares $# with a number, or
// otherwise makes sure of how many arguments it has.
type CountCheck struct {
	Offset int
	Func   *syntax.FuncDecl
	// Min is the argument count the check lets the script rely on afterwards;
	// Unbounded when the check cannot be read (e.g. $# -lt $n).
	Min int
	// End is where the check stops applying: the end of the innermost case
	// branch, block, loop or if that holds it (a check in one branch of an
	// option loop says nothing about the other branches).
	End int
}

// Unbounded is a CountCheck.Min for checks whose bound is not a constant.
const Unbounded = 1 << 30

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

// Index is built by one walk of the syntax tree and shared by every rule,
// the way go/analysis rules share the inspect pass.
type Index struct {
	Params []*ParamRef
	// Lists is the subset of Params that expand $@, $*, ${a[@]} or ${a[*]},
	// which is what most rules look at; a large script has few of them.
	Lists       []*ParamRef
	Calls       []*CallRef
	CountChecks []CountCheck
	IFSChanges  []IFSChange
	Funcs       []*syntax.FuncDecl
	// Errexit is set when the script turns on "set -e" at its top level or in
	// its shebang, so a failing shift stops it instead of going on.
	Errexit bool
	guardFacts

	assignCount map[string]int
	constValue  map[string]string
	// positionalAlias maps pid to 2 after pid=$2, so "[ -z "$pid" ] && exit"
	// counts as a check that $2 exists.
	positionalAlias map[string]int
	// arity holds, per function name, the fewest and most arguments any call
	// passes (Unbounded when a call passes "$@" or another list).
	arity map[string][2]int
}

// Const returns the value of a variable that is assigned exactly once in the
// whole script, to a literal, and never changed otherwise (read, for, let,
// ((x++)), unset …). This is the "simple constant tracking" rules use to
// evaluate offsets like "${@:$n}".
func (ix *Index) Const(name string) (string, bool) {
	if ix.assignCount[name] != 1 {
		return "", false
	}
	v, ok := ix.constValue[name]
	return v, ok
}

// IntConst returns the value of a constant (see Const) that is a plain
// decimal integer, the only kind of constant quirk puts into arithmetic:
// bash evaluates a variable's value as an arithmetic expression, so a value
// such as 'a[$(cmd)]' runs cmd, and '1+1' is not the number 2 once it is
// substituted into "$n*2". A leading zero is octal in bash, so it is refused.
func (ix *Index) IntConst(name string) (int, bool) {
	v, ok := ix.Const(name)
	if !ok || !isDecimal(v) {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// isDecimal matches 0, 7, -12, +3 and not 010, 0x1f, 1+1 or " 5".
func isDecimal(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	return s != "" && len(s) <= 18 && isDigits(s) && (s == "0" || s[0] != '0')
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

// MinArgs is the argument count the script has made sure of before offset,
// in the scope of fn (nil for the top level), or 0 when it has not checked.
// Inside a function, what every call in the file passes counts too.
func (ix *Index) MinArgs(fn *syntax.FuncDecl, offset int) int {
	best := 0
	if least, _, ok := ix.CallArity(fn); ok {
		best = least
	}
	for _, c := range ix.CountChecks {
		if c.Func == fn && c.Offset < offset && offset <= c.End {
			best = max(best, c.Min)
		}
	}
	return best
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

// NewIndex walks f once.
func NewIndex(f *syntax.File, src []byte) *Index {
	ix := &Index{assignCount: map[string]int{}, constValue: map[string]string{}, positionalAlias: map[string]int{}, arity: map[string][2]int{}}
	if bytesHasShebangFlag(src, 'e') {
		ix.Errexit = true
	}
	ix.Nounset = bytesHasShebangFlag(src, 'u')
	ix.Noglob = bytesHasShebangFlag(src, 'f')
	stack := make([]syntax.Node, 0, 64)
	syntax.Walk(f, func(n syntax.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		switch n := n.(type) {
		case *syntax.Lit, *syntax.SglQuoted, *syntax.Comment:
			// Leaves no rule looks at: returning false skips their
			// push, pop and second callback (a third of all nodes).
			return false
		case *syntax.ParamExp:
			ix.addParam(n, stack)
			ix.notePositionalUse(n, stack)
			if n.Param != nil && n.Exp != nil && isDigits(n.Param.Value) {
				// ${2:?usage} and ${2?usage} stop the script without $2.
				if n.Exp.Op == syntax.ErrorUnset || n.Exp.Op == syntax.ErrorUnsetOrNull {
					k, _ := strconv.Atoi(n.Param.Value)
					ix.CountChecks = append(ix.CountChecks, newCheck(int(n.Pos().Offset()), stack, k))
				}
			}
		case *syntax.CallExpr:
			ix.addCall(n, stack)
		case *syntax.FuncDecl:
			ix.Funcs = append(ix.Funcs, n)
		case *syntax.Assign:
			ix.addAssign(n, stack)
		case *syntax.DeclClause:
			ix.noteDecl(n)
			for _, a := range n.Args {
				if a.Name != nil && a.Value == nil && a.Array == nil && n.Variant.Value != "export" && n.Variant.Value != "readonly" {
					ix.changed(a.Name.Value) // "local x" resets x
				}
			}
		case *syntax.ForClause:
			if wi, ok := n.Loop.(*syntax.WordIter); ok {
				ix.changed(wi.Name.Value)
			}
		case *syntax.UnaryArithm:
			if n.Op == syntax.Inc || n.Op == syntax.Dec {
				ix.changedArith(n.X)
			}
		case *syntax.BinaryArithm:
			if isAssignOp(n.Op) {
				ix.changedArith(n.X)
			}
		case *syntax.TestClause:
			ix.addTestCount(n.X, stack)
		case *syntax.ArithmCmd:
			ix.addArithCount(n.X, stack)
		case *syntax.CaseClause:
			if isDollarHash(n.Word) {
				ix.CountChecks = append(ix.CountChecks, newCheck(int(n.Pos().Offset()), stack, Unbounded))
			}
		}
		stack = append(stack, n)
		return true
	})
	ix.finishGuards()
	return ix
}

func isAssignOp(op syntax.BinAritOperator) bool {
	switch op {
	case syntax.Assgn, syntax.AddAssgn, syntax.SubAssgn, syntax.MulAssgn, syntax.QuoAssgn,
		syntax.RemAssgn, syntax.AndAssgn, syntax.OrAssgn, syntax.XorAssgn, syntax.ShlAssgn, syntax.ShrAssgn:
		return true
	}
	return false
}

func (ix *Index) changed(name string) { ix.assignCount[name] += 2 }

func (ix *Index) changedArith(x syntax.ArithmExpr) {
	if w, ok := x.(*syntax.Word); ok {
		ix.changed(w.Lit())
	}
}

func (ix *Index) addAssign(a *syntax.Assign, stack []syntax.Node) {
	if a.Name == nil {
		return
	}
	name := a.Name.Value
	ix.assignCount[name]++
	if a.Array != nil || a.Index != nil {
		ix.noteArray(name)
	}
	if n, ok := positionalWord(a.Value); ok {
		ix.positionalAlias[name] = n
	} else {
		delete(ix.positionalAlias, name)
	}
	if a.Append || a.Array != nil || a.Index != nil || a.Naked {
		ix.changed(name)
	} else if a.Value == nil {
		ix.constValue[name] = ""
	} else if lit, ok := literalValue(a.Value); ok {
		ix.constValue[name] = lit
	} else {
		ix.changed(name)
	}
	if name != "IFS" {
		return
	}
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

// literalValue returns the value of a word made only of literal text and
// quotes, such as 0, "a b", $'\t' or ',' .
func literalValue(w *syntax.Word) (string, bool) {
	var sb strings.Builder
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			sb.WriteString(p.Value)
		case *syntax.SglQuoted:
			if p.Dollar {
				v, ok := unescapeDollar(p.Value)
				if !ok {
					return "", false
				}
				sb.WriteString(v)
			} else {
				sb.WriteString(p.Value)
			}
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok {
					return "", false
				}
				sb.WriteString(l.Value)
			}
		default:
			return "", false
		}
	}
	return sb.String(), true
}

// unescapeDollar handles the escapes that matter for IFS values in $'…'.
func unescapeDollar(s string) (string, bool) {
	r := strings.NewReplacer(`\t`, "\t", `\n`, "\n", `\\`, `\`, `\'`, `'`, `\r`, "\r")
	out := r.Replace(s)
	return out, !strings.Contains(out, `\`) || !strings.ContainsAny(s, "0123456789xu")
}

func (ix *Index) addParam(pe *syntax.ParamExp, stack []syntax.Node) {
	ref := &ParamRef{Exp: pe}
	// The innermost context wins: a[...] in $(( )) in "..." is arithmetic.
	setContext := func(c Context) {
		if ref.Context == CtxOther {
			ref.Context = c
		}
	}
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *syntax.Word:
			if ref.Word == nil && ref.Context == CtxOther {
				ref.Word = n
			}
		case *syntax.DblQuoted:
			if ref.Quote == nil && ref.Context == CtxOther && !ref.Nested {
				ref.Quote = n
			}
		case *syntax.ParamExp:
			ref.Nested = true
		case *syntax.ArithmExp, *syntax.ArithmCmd, *syntax.CStyleLoop, *syntax.LetClause:
			setContext(CtxArith)
		case *syntax.TestClause:
			setContext(CtxTest)
		case *syntax.Redirect:
			if ref.Context == CtxOther {
				ref.Context = CtxRedirect
				// A here-string (<<<"$*") is data, like a here-document body,
				// not a file name.
				if n.Hdoc != nil && posWithin(pe, n.Hdoc) || n.Op == syntax.WordHdoc {
					ref.Context = CtxHeredoc
				}
			}
		case *syntax.CaseClause, *syntax.CaseItem:
			setContext(CtxCase)
		case *syntax.WordIter:
			setContext(CtxList)
		case *syntax.ArrayExpr:
			setContext(CtxArray)
		case *syntax.Assign:
			if ref.Context == CtxOther || ref.Context == CtxArray {
				if ref.Context == CtxOther {
					ref.Context = CtxAssign
				}
				ref.Assign = n
				if c, ok := parentOf(stack[:i]).(*syntax.CallExpr); ok && len(c.Args) > 0 {
					ref.PrefixAssign = true
				}
			}
		case *syntax.CallExpr:
			if ref.Context == CtxOther {
				ref.Context, ref.Call = CtxArg, n
				ref.ArgPos = -1
				for j, a := range n.Args {
					if a == ref.Word {
						ref.ArgPos = j
					}
				}
			}
		case *syntax.DeclClause:
			setContext(CtxArg)
		case *syntax.Stmt:
			if ref.Stmt == nil {
				ref.Stmt = n
			}
		case *syntax.FuncDecl:
			if ref.Func == nil {
				ref.Func = n
			}
		}
	}
	ix.Params = append(ix.Params, ref)
	if ref.IsList() || ref.IsArrayAll() {
		ix.Lists = append(ix.Lists, ref)
	}
}

func posWithin(inner, outer syntax.Node) bool {
	return inner.Pos().Offset() >= outer.Pos().Offset() && inner.End().Offset() <= outer.End().Offset()
}

func parentOf(stack []syntax.Node) syntax.Node {
	if len(stack) == 0 {
		return nil
	}
	return stack[len(stack)-1]
}

func enclosingFunc(stack []syntax.Node) *syntax.FuncDecl {
	for i := len(stack) - 1; i >= 0; i-- {
		if f, ok := stack[i].(*syntax.FuncDecl); ok {
			return f
		}
	}
	return nil
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
		ix.addSet(call, stack)
		ix.noteOptions(call.Args[1:], ref.Func == nil)
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

func stmtIn(st *syntax.Stmt, list []*syntax.Stmt) bool {
	for _, s := range list {
		if s == st {
			return true
		}
	}
	return false
}

// addSet records "set -e" and "set -- a b c" (which fixes the count).
func (ix *Index) addSet(call *syntax.CallExpr, stack []syntax.Node) {
	fn := enclosingFunc(stack)
	args := call.Args[1:]
	for i, a := range args {
		l := a.Lit()
		if fn == nil && (strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "--") && strings.ContainsRune(l, 'e') ||
			l == "-o" && i+1 < len(args) && args[i+1].Lit() == "errexit") {
			ix.Errexit = true
		}
		if l == "--" {
			rest := args[i+1:]
			n := len(rest)
			for _, w := range rest {
				if _, ok := literalValue(w); !ok {
					n = Unbounded // set -- "$@" x: unknown count
				}
			}
			ix.CountChecks = append(ix.CountChecks, newCheck(int(call.Pos().Offset()), stack, n))
			return
		}
	}
}

// minFromComparison turns "$# OP k" into the count a script may rely on
// after the check, assuming the failing branch exits or returns (the usual
// "[ $# -lt 2 ] && usage" shape).
func minFromComparison(op string, k int) int {
	switch op {
	case "-ge", ">=", "-lt", "<", "-eq", "==", "=", "-ne", "!=":
		return k
	case "-gt", ">", "-le", "<=":
		return k + 1
	}
	return Unbounded
}

// flip mirrors an operator for "k OP $#".
func flip(op string) string {
	switch op {
	case "-lt":
		return "-gt"
	case "-gt":
		return "-lt"
	case "-le":
		return "-ge"
	case "-ge":
		return "-le"
	case "<":
		return ">"
	case ">":
		return "<"
	case "<=":
		return ">="
	case ">=":
		return "<="
	}
	return op
}

func (ix *Index) addCount(pos syntax.Pos, stack []syntax.Node, op string, other string) {
	k, err := strconv.Atoi(other)
	min := Unbounded
	if err == nil {
		min = minFromComparison(op, k)
	}
	ix.CountChecks = append(ix.CountChecks, newCheck(int(pos.Offset()), stack, min))
}

func isDollarHash(w *syntax.Word) bool {
	if w == nil || len(w.Parts) != 1 {
		return false
	}
	p := w.Parts[0]
	if dq, ok := p.(*syntax.DblQuoted); ok && len(dq.Parts) == 1 {
		p = dq.Parts[0]
	}
	pe, ok := p.(*syntax.ParamExp)
	return ok && pe.Param != nil && pe.Param.Value == "#" && !pe.Length && pe.Exp == nil && pe.Slice == nil
}

func (ix *Index) addBracketCount(call *syntax.CallExpr, stack []syntax.Node) {
	args := call.Args
	for i, a := range args {
		if i > 0 {
			// [ -z "$2" ], [ -d "$2" ], [ "${3}" = flash ]
			ix.textGuard(call.Pos(), a, stack)
		}
		if !isDollarHash(a) {
			continue
		}
		switch {
		case i+2 < len(args):
			ix.addCount(call.Pos(), stack, args[i+1].Lit(), wordLit(args[i+2]))
		case i >= 2:
			ix.addCount(call.Pos(), stack, flip(args[i-1].Lit()), wordLit(args[i-2]))
		default:
			ix.addCount(call.Pos(), stack, "", "")
		}
	}
}

func wordLit(w *syntax.Word) string {
	v, _ := literalValue(w)
	return v
}

func (ix *Index) addTestCount(x syntax.TestExpr, stack []syntax.Node) {
	syntax.Walk(x, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.UnaryTest:
			if w, ok := n.X.(*syntax.Word); ok {
				ix.textGuard(n.OpPos, w, stack) // [[ -n $2 ]], [[ -d $2 ]]
			}
		case *syntax.BinaryTest:
			ix.addComparison(n.OpPos, n.X, n.Y, n.Op.String(), stack)
			for _, side := range []syntax.TestExpr{n.X, n.Y} {
				if w, ok := side.(*syntax.Word); ok {
					ix.textGuard(n.OpPos, w, stack) // [[ $2 == /* ]]
				}
			}
		}
		return true
	})
}

func (ix *Index) addArithCount(x syntax.ArithmExpr, stack []syntax.Node) {
	syntax.Walk(x, func(n syntax.Node) bool {
		if b, ok := n.(*syntax.BinaryArithm); ok {
			ix.addComparison(b.OpPos, b.X, b.Y, b.Op.String(), stack)
		}
		return true
	})
}

// addComparison records "$# OP k" or "k OP $#" from [[ ]] or (( )).
func (ix *Index) addComparison(pos syntax.Pos, x, y syntax.Node, op string, stack []syntax.Node) {
	xw, _ := x.(*syntax.Word)
	yw, _ := y.(*syntax.Word)
	switch {
	case isDollarHash(xw) && yw != nil:
		ix.addCount(pos, stack, op, wordLit(yw))
	case isDollarHash(yw) && xw != nil:
		ix.addCount(pos, stack, flip(op), wordLit(xw))
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// bytesHasShebangFlag reports "#!/bin/bash -e" and "#!/bin/sh -eu".
func bytesHasShebangFlag(src []byte, flag byte) bool {
	if len(src) < 2 || src[0] != '#' || src[1] != '!' {
		return false
	}
	line, _, _ := bytes.Cut(src[2:min(len(src), 256)], []byte("\n"))
	for i, f := range bytes.Fields(line) {
		if i > 0 && len(f) > 1 && f[0] == '-' && f[1] != '-' && bytes.IndexByte(f, flag) >= 0 {
			return true
		}
	}
	return false
}

// positionalWord reads a word that is just $N or "$N" (or ${N}).
func positionalWord(w *syntax.Word) (int, bool) {
	if w == nil || len(w.Parts) != 1 {
		return 0, false
	}
	p := w.Parts[0]
	if dq, ok := p.(*syntax.DblQuoted); ok && len(dq.Parts) == 1 {
		p = dq.Parts[0]
	}
	pe, ok := p.(*syntax.ParamExp)
	if !ok || pe.Param == nil || !isDigits(pe.Param.Value) || pe.Length || pe.Excl || pe.Exp != nil || pe.Slice != nil || pe.Index != nil {
		return 0, false
	}
	n, err := strconv.Atoi(pe.Param.Value)
	return n, err == nil && n > 0
}

func (ix *Index) positionalOrAlias(w *syntax.Word) (int, bool) {
	if n, ok := positionalWord(w); ok {
		return n, true
	}
	if w == nil || len(w.Parts) != 1 {
		return 0, false
	}
	p := w.Parts[0]
	if dq, ok := p.(*syntax.DblQuoted); ok && len(dq.Parts) == 1 {
		p = dq.Parts[0]
	}
	if pe, ok := p.(*syntax.ParamExp); ok && pe.Param != nil && pe.Exp == nil && !pe.Length {
		n, ok := ix.positionalAlias[pe.Param.Value]
		return n, ok
	}
	return 0, false
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

// newCheck records a count check at offset whose scope is found on stack.
func newCheck(offset int, stack []syntax.Node, min int) CountCheck {
	return CountCheck{Offset: offset, Func: enclosingFunc(stack), Min: min, End: regionEnd(stack, offset)}
}

// regionEnd is the end of the innermost construct holding offset in its
// body (not in its condition): a case branch, block, subshell, loop, if or
// function. A check at the top level applies to the rest of the file.
func regionEnd(stack []syntax.Node, offset int) int {
	inCond := func(list []*syntax.Stmt) bool {
		return len(list) > 0 && offset >= int(list[0].Pos().Offset()) && offset <= int(list[len(list)-1].End().Offset())
	}
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *syntax.IfClause:
			if !inCond(n.Cond) {
				return int(n.End().Offset())
			}
		case *syntax.WhileClause:
			if !inCond(n.Cond) {
				return int(n.End().Offset())
			}
		case *syntax.CaseItem, *syntax.Block, *syntax.Subshell, *syntax.ForClause, *syntax.FuncDecl:
			return int(n.End().Offset())
		}
	}
	return Unbounded
}
