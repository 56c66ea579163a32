// Package rules holds quirk's checks, one analyzer per file, each with a
// stable QK code and its own --confirm probe. Each file registers its
// analyzer, so adding a rule is one file plus its testdata; All lists them
// in ID order.
package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"mvdan.cc/sh/v3/syntax"
)

var registered []*analysis.Analyzer

// register adds a rule to All and points its URL at its documentation page.
// Every rule file calls it for its own analyzer.
func register(a *analysis.Analyzer) *analysis.Analyzer {
	a.URL = analysis.DocURL(a.ID)
	registered = append(registered, a)
	return a
}

// All returns every rule, in ID order.
func All() []*analysis.Analyzer {
	all := slices.Clone(registered)
	slices.SortFunc(all, func(a, b *analysis.Analyzer) int { return strings.Compare(a.ID, b.ID) })
	return all
}

var (
	bashLike   = []analysis.Dialect{analysis.Bash, analysis.Ksh, analysis.Zsh}
	onlyBash   = []analysis.Dialect{analysis.Bash}
	onlyPosix  = []analysis.Dialect{analysis.Sh}
	notZsh     = []analysis.Dialect{analysis.Bash, analysis.Sh, analysis.Ksh, analysis.Mksh}
	splitting  = []analysis.Dialect{analysis.Bash, analysis.Sh, analysis.Ksh, analysis.Mksh}
	bashAndKsh = []analysis.Dialect{analysis.Bash, analysis.Ksh}
)

// exprOf is the expansion as written, with its double quotes when it was
// quoted alone, so real shells can evaluate exactly what the script has.
func exprOf(p *analysis.Pass, ref *analysis.ParamRef) string {
	text := p.Text(ref.Exp)
	if ref.Quote != nil {
		return `"` + text + `"`
	}
	return text
}

// quoteLike quotes text the way exprOf quotes ref's expansion.
func quoteLike(ref *analysis.ParamRef, text string) string {
	if ref.Quote != nil {
		return `"` + text + `"`
	}
	return text
}

// listName is "$@" or "$*" for messages.
func listName(ref *analysis.ParamRef) string {
	if ref.IsArrayAll() {
		return "${" + ref.Exp.Param.Value + "[" + ref.Exp.Index.(*syntax.Word).Lit() + "]}"
	}
	return "$" + ref.Name()
}

// setupFor returns "a=1; b=2" for the constants an expression relies on, so
// that --confirm evaluates it the way the script would. Only integer
// constants the index proved are set: the script's other data never reaches
// a shell (bash evaluates a variable's value as arithmetic, and
// n='a[$(cmd)]' would run cmd).
func setupFor(p *analysis.Pass, exprs ...syntax.ArithmExpr) string {
	var parts []string
	seen := map[string]bool{}
	for _, e := range exprs {
		if e == nil {
			continue
		}
		syntax.Walk(e, func(n syntax.Node) bool {
			var name string
			switch n := n.(type) {
			case *syntax.ParamExp:
				if n.Param != nil {
					name = n.Param.Value
				}
			case *syntax.Lit:
				name = n.Value
			}
			if v, ok := p.Index.IntConst(name); ok && syntax.ValidName(name) && !seen[name] {
				seen[name] = true
				parts = append(parts, name+"="+strconv.Itoa(v))
			}
			return true
		})
	}
	return strings.Join(parts, "; ")
}

// offset returns the byte offset of n's start.
func offset(n syntax.Node) int { return int(n.Pos().Offset()) }

func end(n syntax.Node) int { return int(n.End().Offset()) }

// plural formats "1 argument" / "3 arguments".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// paramHead is what stands between "${" and the operator: "@" or "a[@]".
func paramHead(ref *analysis.ParamRef) string {
	if ref.IsArrayAll() {
		return ref.Exp.Param.Value + "[" + ref.Exp.Index.(*syntax.Word).Lit() + "]"
	}
	return ref.Name()
}

// replaceIn returns ref's expression as written with node's text replaced,
// e.g. "${@:0}" with its offset set to 1.
func replaceIn(p *analysis.Pass, ref *analysis.ParamRef, node syntax.Node, text string) string {
	whole := p.Text(ref.Exp)
	start, stop := offset(node)-offset(ref.Exp), end(node)-offset(ref.Exp)
	out := whole[:start] + text + whole[stop:]
	if ref.Quote != nil {
		return `"` + out + `"`
	}
	return out
}

// arraySetup prepends, for an expansion of an array, a definition of that
// array from the probe's arguments (a=("$@")), so that --confirm evaluates
// array findings on elements it chose instead of an unset name.
func arraySetup(ref *analysis.ParamRef, setup string) string {
	if !ref.IsArrayAll() || ref.Exp.Param == nil {
		return setup
	}
	return joinSetup(ref.Exp.Param.Value+`=("$@")`, setup)
}

// joinSetup joins two setup scripts with "; ".
func joinSetup(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// sliceExprs are the offset and length of e's slice, if any.
func sliceExprs(e *syntax.ParamExp) []syntax.ArithmExpr {
	if e.Slice == nil {
		return nil
	}
	return []syntax.ArithmExpr{e.Slice.Offset, e.Slice.Length}
}
