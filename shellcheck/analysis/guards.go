package analysis

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// guardFacts is the part of the Index this file fills in.
type guardFacts struct {
	// Nounset is set when the script turns on "set -u" at its top level or
	// in its shebang: then reading "$2" stops the script when there is no
	// $2, so after x="$2" the script has made sure of two arguments.
	Nounset bool
	// Noglob is set by "set -f" at the top level (or in the shebang):
	// unquoted expansions are still split but no longer globbed. NoglobAt
	// also sees a set -f earlier in the same function.
	Noglob   bool
	globSets []globSet
	// positionalUses are the plain $N reads, which count as checks when
	// Nounset turns out to be on (set -u may come anywhere at the top level).
	positionalUses []CountCheck
	// arrays holds every name ever given an array value: a=( … ), a[i]=…,
	// a+=( … ), declare -a/-A, read -a, mapfile.
	arrays map[string]bool
	// joiners are the functions whose arguments only ever reach a joined
	// word: die() { echo "error: $*"; }. Text glued to "$@" in a call to
	// one changes nothing.
	joiners map[string]bool
	// labelled are the functions that read $1 on its own: text glued in
	// front of "$@" in a call to one labels that first argument
	// (_printargs "${prefix}$@" where _printargs prints $1='$2').
	labelled map[string]bool
}

// ScalarOnly reports whether name is assigned in the file and never given an
// array value there: ${name[@]} of it is that one value. A name the file
// never assigns (set by a sourced file) is not known to be a scalar.
func (ix *Index) ScalarOnly(name string) bool { return ix.assignCount[name] > 0 && !ix.arrays[name] }

// JoinsArgs reports whether the function called name (defined in this file)
// only uses its arguments joined into one word, as echo does.
func (ix *Index) JoinsArgs(name string) bool { return ix.joiners[name] }

// ReadsFirstArg reports whether the function called name (defined in this
// file) reads $1 on its own.
func (ix *Index) ReadsFirstArg(name string) bool { return ix.labelled[name] }

// notePositionalUse remembers a plain "$N" read for the set -u guard.
func (ix *Index) notePositionalUse(pe *syntax.ParamExp, stack []syntax.Node) {
	if pe.Param == nil || pe.Exp != nil || pe.Length || pe.Excl || pe.Slice != nil || pe.Repl != nil || !isDigits(pe.Param.Value) {
		return
	}
	k, err := strconv.Atoi(pe.Param.Value)
	if err != nil || k == 0 {
		return
	}
	// Inside arithmetic or [[ ]] the read still aborts under set -u.
	ix.positionalUses = append(ix.positionalUses, newCheck(int(pe.End().Offset()), stack, k))
}

// finishGuards runs after the walk.
func (ix *Index) finishGuards() {
	if ix.Nounset {
		ix.CountChecks = append(ix.CountChecks, ix.positionalUses...)
	}
	ix.positionalUses = nil
	ix.findJoiners()
}

// noteArray records names given array values.
func (ix *Index) noteArray(name string) {
	if ix.arrays == nil {
		ix.arrays = map[string]bool{}
	}
	ix.arrays[name] = true
}

func (ix *Index) noteArrayCall(call *syntax.CallExpr, name string) {
	args := call.Args[1:]
	switch name {
	case "mapfile", "readarray":
		if len(args) > 0 {
			if l := args[len(args)-1].Lit(); syntax.ValidName(l) {
				ix.noteArray(l)
			} else {
				ix.noteArray("MAPFILE")
			}
		}
	case "read":
		for i, a := range args {
			if l := a.Lit(); strings.HasPrefix(l, "-") && strings.ContainsRune(l, 'a') && !strings.ContainsRune(l[1:], '-') {
				// read -a name, read -ra name
				if strings.HasSuffix(l, "a") && i+1 < len(args) {
					ix.noteArray(args[i+1].Lit())
				}
			}
		}
	}
}

func (ix *Index) noteDecl(d *syntax.DeclClause) {
	array := false
	for _, a := range d.Args {
		if a.Name == nil && a.Value != nil {
			if l := a.Value.Lit(); strings.HasPrefix(l, "-") && strings.ContainsAny(l, "aA") {
				array = true
			}
		}
	}
	for _, a := range d.Args {
		if a.Name != nil && (array || a.Array != nil) {
			ix.noteArray(a.Name.Value)
		}
	}
}

// textGuard records a test of "$N" other than -z/-n ([ -d "$2" ],
// [[ $2 == /* ]], [ "${3}" = flash ]): the script treats $N as there, and
// when the test decides what runs, a missing $N takes the other branch.
func (ix *Index) textGuard(pos syntax.Pos, w *syntax.Word, stack []syntax.Node) {
	if n, ok := ix.positionalOrAlias(w); ok {
		ix.CountChecks = append(ix.CountChecks, newCheck(int(pos.Offset()), stack, n))
		return
	}
	// [ -n "${2:-}" ], the set -u spelling of [ -n "$2" ].
	if n := positionalOrEmpty(w); n > 0 {
		ix.CountChecks = append(ix.CountChecks, newCheck(int(pos.Offset()), stack, n))
		return
	}
	// The old "x$2" = x idiom: $N inside a longer word is tested too.
	if n := positionalIn(w); n > 0 {
		ix.CountChecks = append(ix.CountChecks, newCheck(int(pos.Offset()), stack, n))
	}
}

// positionalOrEmpty reads "${N:-}" and "${N-}" (an empty default), or 0.
func positionalOrEmpty(w *syntax.Word) int {
	if w == nil || len(w.Parts) != 1 {
		return 0
	}
	p := w.Parts[0]
	if dq, ok := p.(*syntax.DblQuoted); ok && len(dq.Parts) == 1 {
		p = dq.Parts[0]
	}
	pe, ok := p.(*syntax.ParamExp)
	if !ok || pe.Param == nil || !isDigits(pe.Param.Value) || pe.Exp == nil || pe.Length || pe.Excl || pe.Slice != nil || pe.Index != nil {
		return 0
	}
	empty := pe.Exp.Word == nil || len(pe.Exp.Word.Parts) == 0
	if op := pe.Exp.Op; op != syntax.DefaultUnset && op != syntax.DefaultUnsetOrNull || !empty {
		return 0
	}
	k, _ := strconv.Atoi(pe.Param.Value)
	return k
}

// positionalIn returns the highest N of a plain $N among a word's parts (in
// double quotes or not), or 0.
func positionalIn(w *syntax.Word) int {
	best := 0
	var look func(parts []syntax.WordPart)
	look = func(parts []syntax.WordPart) {
		for _, p := range parts {
			switch p := p.(type) {
			case *syntax.DblQuoted:
				look(p.Parts)
			case *syntax.ParamExp:
				if p.Param != nil && isDigits(p.Param.Value) && p.Exp == nil && !p.Length && !p.Excl && p.Slice == nil && p.Repl == nil && p.Index == nil {
					if k, err := strconv.Atoi(p.Param.Value); err == nil {
						best = max(best, k)
					}
				}
			}
		}
	}
	if w != nil {
		look(w.Parts)
	}
	return best
}

// findJoiners marks functions whose every use of their arguments is one
// joined word: "$*", or "$@"/"$*" inside a longer double-quoted word or as
// an argument of echo, or an assignment's value; and that never read $1,
// shift or pass "$@" on.
func (ix *Index) findJoiners() {
	uses := map[*syntax.FuncDecl]bool{}
	spoiled := map[*syntax.FuncDecl]bool{}
	for _, r := range ix.Params {
		if r.Func == nil {
			continue
		}
		name := r.Name()
		switch {
		case isDigits(name) && name != "0" || name == "#":
			spoiled[r.Func] = true
			if name == "1" {
				if ix.labelled == nil {
					ix.labelled = map[string]bool{}
				}
				ix.labelled[r.Func.Name.Value] = true
			}
		case r.IsList():
			uses[r.Func] = true
			joined := r.Context == CtxAssign ||
				r.Quote != nil && (name == "*" || len(r.Quote.Parts) > 1) ||
				r.Context == CtxArg && r.Quote != nil && r.Call != nil && r.ArgPos > 0 && r.Call.Args[0].Lit() == "echo"
			if !joined || r.Exp.Slice != nil || r.Exp.Exp != nil {
				spoiled[r.Func] = true
			}
		}
	}
	for _, c := range ix.Calls {
		if c.Func != nil && (c.Name == "shift" || c.Name == "getopts" || c.Name == "set") {
			spoiled[c.Func] = true
		}
	}
	for _, fn := range ix.Funcs {
		if uses[fn] && !spoiled[fn] {
			if ix.joiners == nil {
				ix.joiners = map[string]bool{}
			}
			ix.joiners[fn.Name.Value] = true
		}
	}
}

// arithHashGuard records (( $# )) || usage: at least one argument after it.
func (ix *Index) arithHashGuard(x syntax.ArithmExpr, stack []syntax.Node) {
	if w, ok := x.(*syntax.Word); ok && isDollarHash(w) {
		ix.CountChecks = append(ix.CountChecks, newCheck(int(w.Pos().Offset()), stack, 1))
	}
}

// evalsSet reports eval's argument "set -- $PARSED" (double-quoted).
func evalsSet(w *syntax.Word) bool {
	if len(w.Parts) == 0 {
		return false
	}
	dq, ok := w.Parts[0].(*syntax.DblQuoted)
	if !ok || len(dq.Parts) == 0 {
		return false
	}
	l, ok := dq.Parts[0].(*syntax.Lit)
	return ok && strings.HasPrefix(l.Value, "set -")
}

// MinChecked is MinArgs without what the calls pass: only the script's own
// checks count. An option loop reads whatever the user gave, so how the
// calls in this file happen to be written says nothing about it.
func (ix *Index) MinChecked(fn *syntax.FuncDecl, offset int) int {
	best := 0
	for _, c := range ix.CountChecks {
		if c.Func == fn && c.Offset < offset && offset <= c.End {
			best = max(best, c.Min)
		}
	}
	return best
}

type globSet struct {
	offset int
	fn     *syntax.FuncDecl
	off    bool // set -f (true) or set +f
}

// NoglobAt reports whether globbing is off at offset in fn: set -f at the
// top level, or a set -f earlier in fn not undone by set +f.
func (ix *Index) NoglobAt(fn *syntax.FuncDecl, offset int) bool {
	on := ix.Noglob
	for _, g := range ix.globSets {
		if fn != nil && g.fn == fn && g.offset < offset {
			on = g.off
		}
	}
	return on
}

// noteGlobSet records "set -f" and "set +f" inside functions.
func (ix *Index) noteGlobSet(call *syntax.CallExpr, fn *syntax.FuncDecl) {
	if fn == nil {
		return // the top level is Noglob's
	}
	for _, a := range call.Args[1:] {
		l := a.Lit()
		if len(l) > 1 && (l[0] == '-' || l[0] == '+') && l[1] != '-' && strings.ContainsRune(l[1:], 'f') {
			ix.globSets = append(ix.globSets, globSet{offset: int(call.Pos().Offset()), fn: fn, off: l[0] == '-'})
		}
	}
}
