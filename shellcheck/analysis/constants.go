package analysis

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Constants: variables assigned exactly once, to a literal, and never
// changed otherwise; IntConst is the subset quirk may substitute into
// arithmetic.

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
	if name == "IFS" {
		ix.addIFS(a, stack)
	}
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
