package analysis

import "slices"

// A Probe is how real shells show one rule's findings ("quirk check
// --confirm"). It lives in the rule's own file, beside the code that reports
// the findings, so a rule and its confirmation change together: which
// argument vectors to try, what to run first, and what outcome bears the
// finding out.
//
// The confirm package evaluates every Case in the script's shell (bash, or
// dash for POSIX sh scripts) and in bash, inside expand's sandbox, after
// checking that the case runs nothing but what the rule proved (see
// Diagnostic.Setup). A finding is kept when Shows is true for at least one
// case and dropped when it is true for none; a finding whose cases cannot be
// built or run safely is kept, with the reason as its evidence.
type Probe struct {
	// Args are the argument vectors ($1 …) to try; nil means SampleArgs.
	Args [][]string
	// Cases builds the evaluations for one finding. nil means one case per
	// argument vector, each with the finding's Setup, Expr and Contrast. It
	// returns an error when the finding cannot be shown by evaluating it
	// (e.g. a shift count that is not a constant); that error becomes the
	// finding's evidence.
	Cases func(d *Diagnostic) ([]Case, error)
	// Shows reports whether an evaluation shows what the rule claims.
	// Required.
	Shows func(e *Evaluation) bool
}

// SampleArgs are the argument vectors a probe tries by default, each showing
// a different trap: none, one, a word with a space, something that looks like
// an option, glob characters.
var SampleArgs = [][]string{
	{},
	{"one"},
	{"a", "b c", "d"},
	{"-n", "x"},
	{"*", "?"},
}

// Case is one evaluation: Word is expanded as the arguments of a printing
// command after Setup, with $0 set to the script's name and $1… to Args.
type Case struct {
	Setup, Word string
	Args        []string
	// Contrast is the word that was probably meant, evaluated beside Word
	// in the same shell with the same setup and arguments; "" for none.
	Contrast string
}

// Outcome is what one shell made of one word.
type Outcome struct {
	Shell  string   // "bash", "dash"
	Fields []string // nil when the printing command never ran (an error)
	Status int
	Stderr string
}

// Same reports whether two outcomes agree: the same fields, both printed or
// neither, both succeeding or both failing.
func (o Outcome) Same(p Outcome) bool {
	return slices.Equal(o.Fields, p.Fields) && (o.Fields != nil) == (p.Fields != nil) && (o.Status == 0) == (p.Status == 0)
}

// Evaluation is one case as the shells saw it.
type Evaluation struct {
	Case Case
	Arg0 string  // $0
	Got  Outcome // the script's own shell
	// Bash is bash's outcome, the oracle for POSIX findings (the same as Got
	// when the script's shell is bash).
	Bash Outcome
	// Contrast is Case.Contrast's outcome in the script's shell; nil
	// without a contrast.
	Contrast *Outcome
}

// CasesFor returns the cases of finding d under probe p.
func (p *Probe) CasesFor(d *Diagnostic) ([]Case, error) {
	if p.Cases != nil {
		return p.Cases(d)
	}
	args := p.Args
	if args == nil {
		args = SampleArgs
	}
	cases := make([]Case, 0, len(args))
	for _, a := range args {
		cases = append(cases, Case{Setup: d.Setup, Word: d.Expr, Args: a, Contrast: d.Contrast})
	}
	return cases, nil
}
