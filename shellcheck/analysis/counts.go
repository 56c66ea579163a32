package analysis

import (
	"strconv"

	"mvdan.cc/sh/v3/syntax"
)

// Argument counts: the places where a script makes sure of how many
// arguments it has ([ $# -ge 2 ], (( $# > 1 )), case $#, ${2:?}, [ -z "$2" ],
// set -- a b, eval set -- "$(getopt …)"), and what that lets it rely on
// afterwards.

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

// addSetCount records "set -- a b c", which fixes the count.
func (ix *Index) addSetCount(call *syntax.CallExpr, stack []syntax.Node) {
	args := call.Args[1:]
	for i, a := range args {
		l := a.Lit()
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
	case "-eq", "==", "=", "-ne", "!=":
		if k == 0 {
			// [ $# -eq 0 ] && usage: what goes on has at least one.
			// (Nobody guards with [ $# -eq 0 ] || … before reading $1.)
			return 1
		}
		return k
	case "-ge", ">=", "-lt", "<":
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
