package analysis

import (
	"strconv"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// EvalConst evaluates an arithmetic expression such as a slice offset when
// every variable in it is an integer constant of the script (see
// Index.IntConst): n='a[$(cmd)]' is data, not a proved number, even though
// mvdan.cc/sh would read it as 0 (bash runs cmd to find out). It uses
// mvdan.cc/sh's own arithmetic so that the rules agree with the interpreter
// on precedence and overflow. ok is false when the value depends on run time.
func (p *Pass) EvalConst(expr syntax.ArithmExpr) (val int, ok bool) {
	if expr == nil {
		return 0, false
	}
	// Fast path: most offsets are plain numbers.
	if w, ok := expr.(*syntax.Word); ok && len(w.Parts) == 1 {
		if l, ok := w.Parts[0].(*syntax.Lit); ok && len(l.Value) < 10 && isDigits(l.Value) && isDecimal(l.Value) {
			n, err := strconv.Atoi(l.Value)
			return n, err == nil
		}
	}
	var pairs []string
	known := true
	syntax.Walk(expr, func(n syntax.Node) bool {
		if !known {
			return false
		}
		switch n := n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst, *syntax.ExtGlob:
			known = false
		case *syntax.ParamExp:
			if !n.Short && !n.Dollar.IsValid() {
				// A naked a[i] in arithmetic.
				known = false
				return false
			}
			if n.Param == nil || n.Excl || n.Length || n.Index != nil || n.Slice != nil || n.Exp != nil || n.Repl != nil {
				known = false
				return false
			}
			v, isConst := p.Index.IntConst(n.Param.Value)
			if !isConst {
				known = false
				return false
			}
			pairs = append(pairs, n.Param.Value+"="+strconv.Itoa(v))
			return false
		case *syntax.Lit:
			if syntax.ValidName(n.Value) {
				v, isConst := p.Index.IntConst(n.Value)
				if !isConst {
					known = false
					return false
				}
				pairs = append(pairs, n.Value+"="+strconv.Itoa(v))
			}
		case *syntax.UnaryArithm:
			if n.Op == syntax.Inc || n.Op == syntax.Dec {
				known = false
			}
		case *syntax.BinaryArithm:
			if isAssignOp(n.Op) {
				known = false
			}
		}
		return true
	})
	if !known {
		return 0, false
	}
	cfg := &expand.Config{Env: expand.ListEnviron(pairs...), NoUnset: true}
	v, err := expand.Arithm(cfg, expr)
	if err != nil {
		return 0, false
	}
	return v, true
}
