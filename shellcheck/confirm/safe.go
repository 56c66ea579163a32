package confirm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"mvdan.cc/sh/v3/syntax"
)

// errNotProved starts every refusal, so the evidence reads "not confirmed:
// …" followed by what was refused and why.
var errNotProved = errors.New("--confirm never evaluates the script's own data as code")

// checkSafe refuses a case that could make a shell run something other than
// what the rule proved. expand's sandbox already refuses command
// substitutions in the text it is given; this check is about the script's
// data reaching a shell through the back door of evaluation: bash evaluates
// the value of a variable used in arithmetic (a slice offset, an array
// subscript, $((…))) as an expression, and n='a[$(cmd)]' runs cmd there, as
// do ${!name} indirection and ${x@P} prompt expansion.
//
// What may run: assignments of decimal integers (the constants the rule
// proved), of words that pass the same check, and of arrays; "shift N" and
// "set ±f/±u"; and words whose arithmetic refers only to positional
// parameters, specials and the integer constants assigned in the setup.
func checkSafe(c analysis.Case) error {
	for _, a := range c.Args {
		if strings.ContainsAny(a, "$`") {
			return fmt.Errorf("argument %q could be evaluated as code; %w", a, errNotProved)
		}
	}
	scope := map[string]kind{}
	if c.Setup != "" {
		f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(c.Setup), "")
		if err != nil {
			return fmt.Errorf("setup %q does not parse: %v", c.Setup, err)
		}
		for _, st := range f.Stmts {
			if err := checkSetupStmt(st, scope); err != nil {
				return err
			}
		}
	}
	for _, w := range []string{c.Word, c.Contrast} {
		if w == "" {
			continue
		}
		if err := checkWords(w, scope); err != nil {
			return err
		}
	}
	return nil
}

type kind int

const (
	intVar   kind = iota + 1 // a decimal integer: safe in arithmetic
	textVar                  // anything else: never evaluated as arithmetic
	arrayVar                 // elements chosen by the probe
)

func checkSetupStmt(st *syntax.Stmt, scope map[string]kind) error {
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(st.Redirs) > 0 || st.Background || st.Coprocess || st.Negated {
		return fmt.Errorf("setup statement at %s is not a plain assignment or shift; %w", st.Pos(), errNotProved)
	}
	if len(call.Args) > 0 {
		if len(call.Assigns) > 0 {
			return fmt.Errorf("setup runs a command with a prefix assignment; %w", errNotProved)
		}
		return checkSetupCommand(call.Args)
	}
	for _, a := range call.Assigns {
		if a.Name == nil || a.Index != nil || a.Append || a.Naked {
			return fmt.Errorf("setup assignment at %s is not name=value; %w", a.Pos(), errNotProved)
		}
		name := a.Name.Value
		switch {
		case a.Array != nil:
			for _, el := range a.Array.Elems {
				if el.Index != nil || el.Value == nil {
					return fmt.Errorf("array %s has an element that is not a plain word; %w", name, errNotProved)
				}
				if err := checkWord(el.Value, scope); err != nil {
					return err
				}
			}
			scope[name] = arrayVar
		case a.Value == nil:
			scope[name] = textVar
		default:
			if lit := a.Value.Lit(); isDecimal(lit) {
				scope[name] = intVar
				continue
			}
			if err := checkWord(a.Value, scope); err != nil {
				return err
			}
			scope[name] = textVar
		}
	}
	return nil
}

// checkSetupCommand allows the commands probes need: shift N, set ±f, set ±u.
func checkSetupCommand(args []*syntax.Word) error {
	lits := make([]string, len(args))
	for i, w := range args {
		lits[i] = w.Lit()
		if lits[i] == "" {
			return fmt.Errorf("setup command word %d is not literal text; %w", i, errNotProved)
		}
	}
	switch {
	case lits[0] == "shift" && len(lits) <= 2 && (len(lits) == 1 || isDecimal(lits[1])):
		return nil
	case lits[0] == "set" && len(lits) == 2 && (lits[1] == "-f" || lits[1] == "+f" || lits[1] == "-u" || lits[1] == "+u"):
		return nil
	}
	return fmt.Errorf("setup runs %q, which a probe has no need for; %w", strings.Join(lits, " "), errNotProved)
}

// checkWords checks text that the shell reads as the arguments of the
// printing command.
func checkWords(text string, scope map[string]kind) error {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(": "+text), "")
	if err != nil {
		return fmt.Errorf("word %s does not parse: %v", text, err)
	}
	if len(f.Stmts) != 1 {
		return fmt.Errorf("word %s is more than one command; %w", text, errNotProved)
	}
	st := f.Stmts[0]
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(st.Redirs) > 0 || st.Background || st.Coprocess || st.Negated || len(call.Assigns) > 0 || len(call.Args) < 2 {
		return fmt.Errorf("word %s is not a list of words; %w", text, errNotProved)
	}
	for _, w := range call.Args[1:] {
		if err := checkWord(w, scope); err != nil {
			return err
		}
	}
	return nil
}

// checkWord refuses nodes that run code and collects the arithmetic inside
// w, whose names must all be proved integers.
func checkWord(w *syntax.Word, scope map[string]kind) error {
	var found error
	var arith []syntax.ArithmExpr
	syntax.Walk(w, func(n syntax.Node) bool {
		if found != nil {
			return false
		}
		switch n := n.(type) {
		case *syntax.CmdSubst:
			found = fmt.Errorf("%s contains a command substitution; %w", text(w), errNotProved)
		case *syntax.ProcSubst:
			found = fmt.Errorf("%s contains a process substitution; %w", text(w), errNotProved)
		case *syntax.ArithmExp:
			arith = append(arith, n.X)
		case *syntax.ParamExp:
			found = checkParam(n, w, scope)
			if n.Slice != nil {
				arith = append(arith, n.Slice.Offset, n.Slice.Length)
			}
			if n.Index != nil && !isAllIndex(n.Index) {
				arith = append(arith, n.Index)
			}
		}
		return found == nil
	})
	if found != nil {
		return found
	}
	for _, x := range arith {
		if x == nil {
			continue
		}
		if err := checkArith(x, w, scope); err != nil {
			return err
		}
	}
	return nil
}

func checkParam(pe *syntax.ParamExp, w *syntax.Word, scope map[string]kind) error {
	name := ""
	if pe.Param != nil {
		name = pe.Param.Value
	}
	if pe.Excl && (!special(name) || name == "0") && pe.Names == 0 && !isAllIndex(pe.Index) {
		return fmt.Errorf("%s expands ${!%s}, which evaluates the value of %s as a name; %w", text(w), name, name, errNotProved)
	}
	if pe.Exp != nil && pe.Exp.Op == syntax.OtherParamOps && pe.Exp.Word != nil && strings.Contains(pe.Exp.Word.Lit(), "P") {
		return fmt.Errorf("%s uses ${%s@%s}, which evaluates the value as code; %w", text(w), name, pe.Exp.Word.Lit(), errNotProved)
	}
	return nil
}

// checkArith allows, inside arithmetic, only literal numbers, operators,
// positional parameters and specials, and names the setup set to integers.
func checkArith(x syntax.ArithmExpr, w *syntax.Word, scope map[string]kind) error {
	var found error
	check := func(name string) {
		if found != nil || name == "" || special(name) && name != "0" || scope[name] == intVar || scope[name] == arrayVar {
			return
		}
		if name == "0" {
			found = fmt.Errorf("the offset, length or subscript %s uses $0, the script's file name; %w", text(w), errNotProved)
			return
		}
		found = fmt.Errorf("the offset, length or subscript %s uses %s, whose value is not a constant quirk proved; %w", text(w), name, errNotProved)
	}
	syntax.Walk(x, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.ParamExp:
			if n.Param != nil && !n.Length {
				check(n.Param.Value)
			}
		case *syntax.Lit:
			if syntax.ValidName(n.Value) {
				check(n.Value)
			}
		}
		return found == nil
	})
	return found
}

// special names $@, $*, $#, $?, $-, $$, $!, $0 and the positional
// parameters, whose values come from the probe (the script's name, $0, is
// kept to a plain file name but still never evaluated).
func special(name string) bool {
	switch name {
	case "@", "*", "#", "?", "-", "$", "!":
		return true
	}
	return name != "" && strings.Trim(name, "0123456789") == ""
}

func isAllIndex(x syntax.ArithmExpr) bool {
	w, ok := x.(*syntax.Word)
	return ok && (w.Lit() == "@" || w.Lit() == "*")
}

// isDecimal matches the integers a probe may assign: 0, 7, -12.
func isDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return s != "" && len(s) <= 18 && strings.Trim(s, "0123456789") == "" && (s == "0" || s[0] != '0')
}

func text(w *syntax.Word) string {
	var b strings.Builder
	syntax.NewPrinter().Print(&b, w)
	return b.String()
}
