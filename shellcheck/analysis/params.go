package analysis

import "mvdan.cc/sh/v3/syntax"

// Parameter expansions: every $x, ${x…} and $@ of the script, with where it
// sits (an argument, an assignment, a test, arithmetic…), its quotes and its
// enclosing command, function and statement.

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
