package analysis

import "mvdan.cc/sh/v3/syntax"

// walkTree visits the tree under n depth first, in the order syntax.Walk
// does, calling enter on the way into each node (its children are skipped
// when enter returns false) and leave on the way out of each node enter
// accepted. It skips what no fact is made of: comments, and the leaves Lit
// and SglQuoted, which are a third of a typical tree. syntax.Walk visits
// those too, through an interface call and a deferred call per commented
// statement, and that cost was most of the index's time over real scripts.
// TestWalkTreeMatchesWalk holds the order to syntax.Walk's.
func walkTree(n syntax.Node, enter func(syntax.Node) bool, leave func()) {
	w := treeWalker{enter: enter, leave: leave}
	w.node(n)
}

type treeWalker struct {
	enter func(syntax.Node) bool
	leave func()
}

func (w *treeWalker) stmts(list []*syntax.Stmt) {
	for _, s := range list {
		w.node(s)
	}
}

func (w *treeWalker) words(list []*syntax.Word) {
	for _, x := range list {
		w.node(x)
	}
}

// word and the other typed helpers skip nil children, as syntax.Walk's
// walkNilable does.
func (w *treeWalker) word(x *syntax.Word) {
	if x != nil {
		w.node(x)
	}
}

func (w *treeWalker) arith(x syntax.ArithmExpr) {
	if x != nil {
		w.node(x)
	}
}

func (w *treeWalker) node(n syntax.Node) {
	switch n.(type) {
	case *syntax.Lit, *syntax.SglQuoted, *syntax.Comment:
		return
	}
	if !w.enter(n) {
		return
	}
	switch n := n.(type) {
	case *syntax.File:
		w.stmts(n.Stmts)
	case *syntax.Stmt:
		if n.Cmd != nil {
			w.node(n.Cmd)
		}
		for _, r := range n.Redirs {
			w.node(r)
		}
	case *syntax.Assign:
		if n.Value != nil {
			w.node(n.Value)
		}
		if n.Index != nil {
			w.node(n.Index)
		}
		if n.Array != nil {
			w.node(n.Array)
		}
	case *syntax.Redirect:
		w.node(n.Word)
		w.word(n.Hdoc)
	case *syntax.CallExpr:
		for _, a := range n.Assigns {
			w.node(a)
		}
		w.words(n.Args)
	case *syntax.Subshell:
		w.stmts(n.Stmts)
	case *syntax.Block:
		w.stmts(n.Stmts)
	case *syntax.IfClause:
		w.stmts(n.Cond)
		w.stmts(n.Then)
		if n.Else != nil {
			w.node(n.Else)
		}
	case *syntax.WhileClause:
		w.stmts(n.Cond)
		w.stmts(n.Do)
	case *syntax.ForClause:
		w.node(n.Loop)
		w.stmts(n.Do)
	case *syntax.WordIter:
		w.words(n.Items)
	case *syntax.CStyleLoop:
		w.arith(n.Init)
		w.arith(n.Cond)
		w.arith(n.Post)
	case *syntax.BinaryCmd:
		w.node(n.X)
		w.node(n.Y)
	case *syntax.FuncDecl:
		w.node(n.Body)
	case *syntax.Word:
		for _, p := range n.Parts {
			w.node(p)
		}
	case *syntax.DblQuoted:
		for _, p := range n.Parts {
			w.node(p)
		}
	case *syntax.CmdSubst:
		w.stmts(n.Stmts)
	case *syntax.ParamExp:
		if n.NestedParam != nil {
			w.node(n.NestedParam)
		}
		w.arith(n.Index)
		if n.Slice != nil {
			w.arith(n.Slice.Offset)
			w.arith(n.Slice.Length)
		}
		if n.Repl != nil {
			w.word(n.Repl.Orig)
			w.word(n.Repl.With)
		}
		if n.Exp != nil {
			w.word(n.Exp.Word)
		}
	case *syntax.ArithmExp:
		w.node(n.X)
	case *syntax.ArithmCmd:
		w.node(n.X)
	case *syntax.BinaryArithm:
		w.node(n.X)
		w.node(n.Y)
	case *syntax.BinaryTest:
		w.node(n.X)
		w.node(n.Y)
	case *syntax.UnaryArithm:
		w.node(n.X)
	case *syntax.UnaryTest:
		w.node(n.X)
	case *syntax.ParenArithm:
		w.node(n.X)
	case *syntax.FlagsArithm:
		if n.X != nil {
			w.node(n.X)
		}
	case *syntax.ParenTest:
		w.node(n.X)
	case *syntax.CaseClause:
		w.node(n.Word)
		for _, it := range n.Items {
			w.node(it)
		}
	case *syntax.CaseItem:
		w.words(n.Patterns)
		w.stmts(n.Stmts)
	case *syntax.TestClause:
		w.node(n.X)
	case *syntax.DeclClause:
		for _, a := range n.Args {
			w.node(a)
		}
	case *syntax.ArrayExpr:
		for _, e := range n.Elems {
			w.node(e)
		}
	case *syntax.ArrayElem:
		w.arith(n.Index)
		w.word(n.Value)
	case *syntax.ExtGlob:
	case *syntax.ProcSubst:
		w.stmts(n.Stmts)
	case *syntax.TimeClause:
		if n.Stmt != nil {
			w.node(n.Stmt)
		}
	case *syntax.CoprocClause:
		w.word(n.Name)
		w.node(n.Stmt)
	case *syntax.LetClause:
		for _, x := range n.Exprs {
			w.node(x)
		}
	case *syntax.TestDecl:
		w.node(n.Description)
		w.node(n.Body)
	default:
		// A node type from a newer mvdan.cc/sh: visit it the slow way
		// rather than miss what is under it.
		syntax.Walk(n, func(m syntax.Node) bool {
			if m == nil || m == n {
				return m == n
			}
			w.node(m)
			return false
		})
	}
	w.leave()
}
