package rules

import (
	"fmt"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"mvdan.cc/sh/v3/syntax"
)

// GluedList reports "x$@y".
var GluedList = register(&analysis.Analyzer{
	ID:       "QK5012",
	Name:     "text-glued-to-list",
	Severity: analysis.Warning,
	Doc: `text glued to "$@" sticks to the first and last argument only

"x$@y" is not x and y around each argument: x sticks to the first argument
and y to the last, the others stay as they are. With a b c it gives xa b cy.
(mvdan.cc/sh v3.14.1 joins it into one word instead, unlike bash.)

Bad:
    cmd "--files=$@"

Good:
    cmd "--files=$*"          # one word
    cmd "${@/#/--file=}"      # bash: a prefix on each argument`,
	Hint:       `write "x$*y" for one word, or "${@/#/x}" (bash) to prefix each argument`,
	Probe:      gluedListProbe,
	ShellCheck: []string{"SC2145"},
	Run:        runGluedList,
})

func runGluedList(p *analysis.Pass) {
	reported := map[*syntax.Word]bool{}
	for _, ref := range p.Index.Lists {
		e := ref.Exp
		if ref.Quote == nil || ref.Nested || e.Length || e.Excl {
			continue
		}
		if !(ref.IsList() && ref.Name() == "@" || ref.IsArrayAll() && paramHead(ref)[len(paramHead(ref))-2] == '@') {
			continue
		}
		switch ref.Context {
		case analysis.CtxArg, analysis.CtxList, analysis.CtxArray:
		default:
			continue
		}
		if len(ref.Quote.Parts) < 2 && (ref.Word == nil || len(ref.Word.Parts) < 2) {
			continue
		}
		if ref.Call != nil && ref.ArgPos == 0 {
			// _cmd_"$@" builds a command name from the first argument
			// (the dispatch idiom): sticking to the first one is the point.
			continue
		}
		// echo and eval join their arguments with spaces, and so does a
		// function here that only uses them joined (die() { echo "$*"; }),
		// so "x$@y" there gives what "x$*y" would: the glue is invisible.
		if ref.Call != nil && ref.ArgPos > 0 {
			switch name := ref.Call.Args[0].Lit(); {
			case name == "echo" || name == "eval" || p.Index.JoinsArgs(name):
				continue
			case p.Index.ReadsFirstArg(name) && gluedBeforeOnly(ref):
				// A function here that reads $1 on its own: text in
				// front of "$@" labels that first argument, on purpose.
				continue
			}
		}
		if reported[ref.Word] {
			continue // "${a[@]}-${b[@]}": one word, one finding
		}
		reported[ref.Word] = true
		word := p.Text(ref.Word)
		p.Report(analysis.Diagnostic{
			Start: offset(ref.Word),
			End:   end(ref.Word),
			Message: fmt.Sprintf(`in %s the text sticks to the first and last argument only, not to each one; write it with %s for one word, or use "${%s/#/prefix}" to prefix each argument`,
				word, starVersion(p, e), paramHead(ref)),
			Expr:  word,
			Setup: arraySetup(ref, ""),
		})
	}
}

// Several arguments stay several words, so the text sticks to the ends only.
var gluedListProbe = &analysis.Probe{Shows: func(e *analysis.Evaluation) bool {
	return len(e.Case.Args) > 1 && len(e.Got.Fields) > 1
}}

// gluedBeforeOnly reports "x$@": text before the list and none after it, in
// the word or its quotes.
func gluedBeforeOnly(ref *analysis.ParamRef) bool {
	last := func(parts []syntax.WordPart) syntax.WordPart { return parts[len(parts)-1] }
	if ref.Word == nil || len(ref.Word.Parts) == 0 || last(ref.Word.Parts) != syntax.WordPart(ref.Quote) {
		return false
	}
	return last(ref.Quote.Parts) == syntax.WordPart(ref.Exp)
}
