package rules

import (
	"fmt"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"mvdan.cc/sh/v3/syntax"
)

// ListToScalar reports $@ assigned to a scalar.
var ListToScalar = register(&analysis.Analyzer{
	ID:       "QK5008",
	Name:     "list-assigned-to-scalar",
	Severity: analysis.Warning,
	Doc: `"$@" assigned to a scalar is joined differently by each shell

x=$@ and local x="$@" join the arguments into one string. POSIX leaves the
separator unspecified: bash, mksh and ksh join with a space, dash, zsh and
BusyBox ash with the first character of IFS. "$*" is defined everywhere: the
first character of IFS.

Bad:
    IFS=,; all="$@"          # "a b c" in bash, "a,b,c" in dash

Good:
    all="$*"                 # joined with the first IFS character everywhere
    args=("$@")              # bash: keep them apart`,
	Hint:       `write "$*" for a joined string, or an array args=("$@") to keep the arguments apart`,
	Probe:      listToScalarProbe,
	ShellCheck: []string{"SC2124"},
	Run:        runListToScalar,
})

func runListToScalar(p *analysis.Pass) {
	ifsChanged := false
	for _, c := range p.Index.IFSChanges {
		ifsChanged = ifsChanged || !c.Default || c.Prefix
	}
	for _, ref := range p.Index.Lists {
		e := ref.Exp
		if ref.Context != analysis.CtxAssign || ref.Assign == nil || ref.Assign.Naked || e.Length || e.Excl {
			continue
		}
		at := ref.IsList() && ref.Name() == "@" || ref.IsArrayAll() && ref.Exp.Index.(*syntax.Word).Lit() == "@"
		if !at || singleElement(p, e) {
			continue
		}
		if e.Slice != nil && ref.Quote != nil && (p.Dialect == analysis.Bash || p.Dialect == analysis.Unknown) {
			// bash (5.2.15, measured) joins a quoted slice such as
			// x="${@:2}" with the first IFS character, exactly as "${*:2}":
			// nothing to warn about in a bash script. Unquoted, x=${@:2}
			// still joins with a space.
			continue
		}
		if ref.IsArrayAll() && p.Index.ScalarOnly(e.Param.Value) {
			continue // ${tmp[@]} of a name only ever scalar is that one value
		}
		star := offset(e.Param)
		if ref.IsArrayAll() {
			star = offset(e.Index)
		}
		if e.Short {
			star = offset(e) + 1
		}
		fix := analysis.SuggestedFix{
			Message: `join with "$*", which every shell joins with the first IFS character`,
			Edits:   []analysis.TextEdit{{Start: star, End: star + 1, NewText: "*"}},
			// With IFS at its default "$*" and bash's "$@" both join with
			// a space, so the fix changes nothing in bash.
			Unsafe: ifsChanged,
		}
		msg := fmt.Sprintf(`assigning %s to %s joins the arguments with a space in bash, mksh and ksh but with the first IFS character in dash, zsh and BusyBox ash; write "%s" to join, or an array to keep them apart`,
			p.Text(e), ref.Assign.Name.Value, starVersion(p, e))
		if ref.IsArrayAll() {
			// Arrays are not POSIX; the trap is that IFS is ignored.
			msg = fmt.Sprintf(`assigning %s to %s joins the elements with a space whatever IFS holds; write "%s" to join with the first IFS character, or %s=("%s") to keep them apart`,
				p.Text(e), ref.Assign.Name.Value, starVersion(p, e), ref.Assign.Name.Value, p.Text(e))
		}
		p.Report(analysis.Diagnostic{
			Start:    offset(e),
			End:      end(e),
			Message:  msg,
			Expr:     exprOf(p, ref),
			Contrast: quoteLike(ref, starVersion(p, e)),
			Setup:    arraySetup(ref, setupFor(p, sliceExprs(e)...)),
			Fixes:    []analysis.SuggestedFix{fix},
		})
	}
}

// singleElement reports slices that yield at most one element, such as
// "${@: -1}" or "${@:$#}", which are scalars (ShellCheck's SC2124 flags
// them by mistake).
func singleElement(p *analysis.Pass, e *syntax.ParamExp) bool {
	if e.Slice == nil {
		return false
	}
	if e.Slice.Length != nil {
		n, ok := p.EvalConst(e.Slice.Length)
		return ok && n <= 1
	}
	if off, ok := p.EvalConst(e.Slice.Offset); ok && off == -1 {
		return true
	}
	w, ok := e.Slice.Offset.(*syntax.Word)
	return ok && len(w.Parts) == 1 && isHash(w.Parts[0])
}

func isHash(p syntax.WordPart) bool {
	pe, ok := p.(*syntax.ParamExp)
	return ok && pe.Param != nil && pe.Param.Value == "#" && !pe.Length && pe.Exp == nil
}

func starVersion(p *analysis.Pass, e *syntax.ParamExp) string {
	text := p.Text(e)
	for i := range len(text) {
		if text[i] == '@' {
			return text[:i] + "*" + text[i+1:]
		}
	}
	return text
}

// The probe assigns the expression and its "$*" twin (the Contrast) with a
// non-space IFS. The finding is borne out only when the evidence shows the
// trap: the script's shell joins the two differently, or bash and the
// script's shell disagree. bash 5.2 joins x="${@:2}" with the first IFS
// character, like "${*:2}", so such a finding is not confirmed there.
var listToScalarProbe = &analysis.Probe{
	Cases: func(d *analysis.Diagnostic) ([]analysis.Case, error) {
		setup := joinSetup(d.Setup, "IFS=,; x="+d.Expr+"; y="+d.Contrast)
		return []analysis.Case{{Setup: setup, Word: `"$x"`, Contrast: `"$y"`, Args: []string{"a", "b c", "d"}}}, nil
	},
	Shows: func(e *analysis.Evaluation) bool {
		return e.Contrast != nil && !e.Got.Same(*e.Contrast) || !e.Got.Same(e.Bash)
	},
}
