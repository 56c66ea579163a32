package rules

import (
	"fmt"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"mvdan.cc/sh/v3/syntax"
)

// MultiDigit reports $10, which is ${1}0.
var MultiDigit = register(&analysis.Analyzer{
	ID:       "QK5007",
	Name:     "positional-multi-digit",
	Severity: analysis.Warning,
	Dialects: notZsh,
	Doc: `$10 is $1 followed by 0, not the tenth argument

Without braces only one digit is read after $: "$10" is "${1}0" in bash, dash,
ksh and BusyBox ash. zsh alone reads $10 as the tenth argument.

Bad:
    tenth=$10

Good:
    tenth=${10}
    padded=${1}0     # if $1 then a literal 0 was meant`,
	Hint:       `write ${10} for the tenth argument, or ${1}0 to keep today's meaning explicitly`,
	Probe:      multiDigitProbe,
	ShellCheck: []string{"SC1037"},
	Run:        runMultiDigit,
})

func runMultiDigit(p *analysis.Pass) {
	for _, ref := range p.Index.Params {
		e := ref.Exp
		if !e.Short || e.Param == nil || len(e.Param.Value) != 1 || !isDigit(e.Param.Value[0]) {
			continue
		}
		parts := partsAround(ref)
		for i, part := range parts {
			if part != syntax.WordPart(e) || i+1 >= len(parts) {
				continue
			}
			lit, ok := parts[i+1].(*syntax.Lit)
			if !ok || lit.Value == "" || !isDigit(lit.Value[0]) {
				break
			}
			digits := lit.Value[:len(lit.Value)-len(strings.TrimLeft(lit.Value, "0123456789"))]
			whole := e.Param.Value + digits
			p.Report(analysis.Diagnostic{
				Start:   offset(e),
				End:     offset(lit) + len(digits),
				Message: fmt.Sprintf(`$%s is $%s followed by "%s", not argument %s: write ${%s}, or ${%s}%s if that is what you mean`, whole, e.Param.Value, digits, whole, whole, e.Param.Value, digits),
				Expr:    "$" + whole,
				Fixes: []analysis.SuggestedFix{
					{Message: "brace the whole number", Unsafe: true, Edits: []analysis.TextEdit{{Start: offset(e), End: offset(lit) + len(digits), NewText: "${" + whole + "}"}}},
					{Message: "brace the single digit", Unsafe: true, Edits: []analysis.TextEdit{{Start: offset(e), End: end(e), NewText: "${" + e.Param.Value + "}"}}},
				},
			})
			break
		}
	}
}

// partsAround returns the sibling parts of ref's expansion: those of its
// double quotes, or of its word.
func partsAround(ref *analysis.ParamRef) []syntax.WordPart {
	if ref.Quote != nil {
		return ref.Quote.Parts
	}
	if ref.Word != nil {
		return ref.Word.Parts
	}
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// With twelve arguments, $10 is "$1" followed by 0, not the tenth.
var multiDigitProbe = &analysis.Probe{
	Args: [][]string{{"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"}},
	Shows: func(e *analysis.Evaluation) bool {
		f := e.Got.Fields
		return len(f) == 1 && f[0] != "ten" && f[0] != "eleven" && f[0] != "twelve"
	},
}
