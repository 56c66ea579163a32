package analysis

import (
	"strconv"

	"mvdan.cc/sh/v3/syntax"
)

// Index is built by one walk of the syntax tree and shared by every rule,
// the way go/analysis rules share the inspect pass. Each kind of fact has
// its file and its tests: params.go (expansions and their context),
// calls.go (commands, checked statuses, call arity), counts.go (what the
// script made sure of about $#), ifs.go, errexit.go, constants.go and
// guards.go (shell options, arrays, joining functions).
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

// NewIndex walks f once.
func NewIndex(f *syntax.File, src []byte) *Index {
	ix := &Index{assignCount: map[string]int{}, constValue: map[string]string{}, positionalAlias: map[string]int{}, arity: map[string][2]int{}}
	if bytesHasShebangFlag(src, 'e') {
		ix.Errexit = true
	}
	ix.Nounset = bytesHasShebangFlag(src, 'u')
	ix.Noglob = bytesHasShebangFlag(src, 'f')
	stack := make([]syntax.Node, 0, 64)
	walkTree(f, func(n syntax.Node) bool {
		switch n := n.(type) {
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
			ix.arithHashGuard(n.X, stack)
		case *syntax.CaseClause:
			if isDollarHash(n.Word) {
				ix.CountChecks = append(ix.CountChecks, newCheck(int(n.Pos().Offset()), stack, Unbounded))
			}
		}
		stack = append(stack, n)
		return true
	}, func() { stack = stack[:len(stack)-1] })
	ix.finishGuards()
	return ix
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

func stmtIn(st *syntax.Stmt, list []*syntax.Stmt) bool {
	for _, s := range list {
		if s == st {
			return true
		}
	}
	return false
}
