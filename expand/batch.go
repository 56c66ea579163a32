package expand

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// A batch is one shell process evaluating many cases. The generated script
// is sourced with ". FILE" from "SHELL -c", so $0 stays the case's Arg0
// (cases are grouped by Arg0, one process per distinct value).
//
// A plain case (no setup, a word that assigns nothing and runs nothing)
// runs directly, "set -- ARGS; eval '__quirk_emit WORD'", in a subshell it
// shares with up to groupSize neighbours: forking per case would cost more
// than everything else, and such a word cannot change the shell's state.
// Any other case runs as ( set -- ARGS; eval 'SETUP
// __quirk_emit WORD' ), so its setup cannot leak into later cases. If a
// direct case ends its group's subshell (dash's "Bad substitution", bash's
// fatal expansion errors), the batch goes on with the next group, and the
// caller reruns that case in a subshell of its own, with the rest of its
// group, in a fresh process. In bash such cases run at the batch's top
// level instead, with no group (see placementOf). eval turns a syntax
// error into that case's error. A batch runs its group cases first, then the subshell ones,
// then, in bash, the cases that run at the top level (see topLevelIn): the
// cases are independent, so the order only decides how many forks they
// cost (one per subshell case, one per group).
//
// Streams, per case N:
//
//	fd 2: a marker "\x1equirk:N\x1f", then the case's own messages;
//	fd 1: the same marker around subshell cases (a direct case cannot write);
//	fd 3: "cN\0" when the case starts, "nK\0" and K NUL-terminated fields
//	      when the printing command runs, "sSTATUS\0" when the case ends.
const markerPrefix = "\x1equirk:"

// nulMarkerPrefix starts the markers of a bash batch (recordsMerged): bash
// cannot write a NUL in a message, so a message that echoes a word shaped
// like a marker (an arithmetic error shows the expression) cannot move
// text to another case. The other engines' markers can be forged so by a
// case's own messages (mksh's print and the worker write them as text).
const nulMarkerPrefix = "\x00quirk:"

// batchStyle is how an engine's batch writes its records.
type batchStyle int

const (
	// recordsRedirected: every record is a printf redirected to fd 3.
	recordsRedirected batchStyle = iota
	// recordsPrinted: mksh has no printf builtin; print writes them.
	recordsPrinted
	// recordsMerged (bash): the batch starts with "exec 4>&1 5>&2 >&3
	// 2>&3", so stdout, stderr and the record stream are one pipe and a
	// record is a printf with no redirection (bash saves, dups and
	// restores descriptors for each redirected command: a third of a
	// case's cost). Every record starts with a NUL; anything between
	// records is a message of the case begun last (bash can write no NUL
	// in a message: its strings end at one), see parseMerged. A case that
	// runs directly (a group, the top level, a local setup) writes nothing
	// to stdout: its word is the printing command's arguments and its
	// setup only assigns and calls set or shift in forms that print
	// nothing (localSetup). A case in a subshell of its own gets the real
	// stdout and stderr back first (__quirk_iso), with markers on both,
	// and writes its record to fd 3.
	recordsMerged
)

func styleOf(sh *Engine) batchStyle {
	switch {
	case sh.spec.printBuiltin:
		return recordsPrinted
	case sh.Name == "bash":
		return recordsMerged
	}
	return recordsRedirected
}

// emitter returns the shell functions that write records.
func emitter(style batchStyle) string {
	m := markerPrefix
	if style == recordsMerged {
		return `exec 4>&1 5>&2 >&3 2>&3
__quirk_emit() { printf '%s\0' "" "n$#" "$@"; }
__quirk_begin() { printf '\0c%d\0' "$1"; }
__quirk_end() { printf '\0s%d\0\0c%d\0' "$1" "$2"; }
__quirk_out() { printf '\0quirk:%d\037' "$1" >&4; printf '\0quirk:%d\037' "$1" >&5; }
__quirk_iso() { exec >&4 2>&5; __quirk_emit() { printf '%s\0' "" "n$#" "$@" >&3; }; }
`
	}
	printBuiltin := style == recordsPrinted
	if printBuiltin {
		return `__quirk_z() { print -n '\0' >&3; }
__quirk_emit() { print -rn -- "n$#" >&3; __quirk_z; for __quirk_f do print -rn -- "$__quirk_f" >&3; __quirk_z; done; }
__quirk_begin() { print -rn -- "c$1" >&3; __quirk_z; print -rn -- "` + m + `$1` + "\x1f" + `" >&2; }
__quirk_end() { print -rn -- "s$1" >&3; __quirk_z; __quirk_begin "$2"; }
__quirk_out() { print -rn -- "` + m + `$1` + "\x1f" + `"; }
`
	}
	return `__quirk_emit() { printf '%s\0' "n$#" "$@" >&3; }
__quirk_begin() { printf 'c%d\0' "$1" >&3; printf '` + m + `%d` + "\x1f" + `' "$1" >&2; }
__quirk_end() { printf 's%d\0c%d\0' "$1" "$2" >&3; printf '` + m + `%d` + "\x1f" + `' "$2" >&2; }
__quirk_out() { printf '` + m + `%d` + "\x1f" + `' "$1"; }
`
}

// shellQuote single-quotes s for any POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// batchScript renders cases; index holds their indexes in the caller's
// slice and isolated says which run in a subshell of their own; the rest
// share group subshells, except those that run at the top level.
// top says which run at the batch's top level, outside any subshell (see
// topLevelIn); isolated wins over top. quiet (nil: none) says which
// cases cannot write anything but shell messages and their record
// (placeCase): in the merged style, an isolated one keeps the merged
// stream in its subshell.
func batchScript(style batchStyle, cases []WordCase, index []int, isolated, top, quiet []bool) string {
	var b strings.Builder
	b.Grow(512 + 100*len(cases))
	b.WriteString(emitter(style))
	iso := ""
	if style == recordsMerged {
		iso = "__quirk_iso\n"
	}
	num := func(n int) { b.WriteString(strconv.Itoa(n)) }
	// endCase writes the status record of one case and begins the next;
	// in the merged style inline, a function call less per case.
	endCase := func(status string, next int) {
		if style == recordsMerged {
			b.WriteString("printf '\\0s%d\\0\\0c")
			num(next)
			b.WriteString("\\0' ")
			b.WriteString(status)
			b.WriteString("\n")
			return
		}
		b.WriteString("__quirk_end ")
		b.WriteString(status)
		b.WriteString(" ")
		num(next)
		b.WriteString("\n")
	}
	begin := func(n int) {
		b.WriteString("__quirk_begin ")
		num(n)
		b.WriteString("\n")
	}
	if len(cases) > 0 {
		begin(index[0])
	}
	inGroup, grouped := false, 0
	// The cases after the last isolated or top-level one need no group
	// subshell when they fit one group: nothing follows them that a case
	// ending the shell could take along (they would be rerun either way),
	// so they save its fork. A batch of one word then forks nothing.
	tail := len(cases)
	for tail > 0 && !isolated[tail-1] && (top == nil || !top[tail-1]) {
		tail--
	}
	unguarded := len(cases)-tail <= groupSize
	atTop := func(i int) bool { return top != nil && top[i] && !isolated[i] || unguarded && i >= tail }
	// A checker's cases repeat a few argument vectors, setups and words:
	// each distinct "set --" line, quoted body and "local" line of a
	// setup is made once (a setup's parse costs more than bash's
	// evaluation of the case).
	sets, bodies, locals := map[string]string{}, map[[2]string]string{}, map[string]string{}
	for i, c := range cases {
		argsKey := strings.Join(c.Args, "\x00")
		set, ok := sets[argsKey]
		if !ok {
			var sb strings.Builder
			sb.WriteString("set --")
			for _, a := range c.Args {
				sb.WriteString(" ")
				sb.WriteString(shellQuote(a))
			}
			set = sb.String()
			sets[argsKey] = set
		}
		body, ok := bodies[[2]string{c.Setup, c.Word}]
		if !ok {
			body = "__quirk_emit " + c.Word
			if c.Setup != "" {
				body = c.Setup + "\n" + body
			}
			body = shellQuote(body)
			bodies[[2]string{c.Setup, c.Word}] = body
		}
		if !isolated[i] && !atTop(i) && !inGroup {
			b.WriteString("(\n")
			inGroup, grouped = true, 0
		}
		mergedAlone := isolated[i] && style == recordsMerged && quiet != nil && quiet[i]
		switch {
		case mergedAlone:
			// Its only output is bash's messages and its record, which
			// the merged stream takes (no NUL in a message): no real
			// streams, markers or emitter to set up in the child, whose
			// every write to memory is a copy-on-write fault. The
			// arguments are set before the fork for the same reason.
			b.WriteString(set)
			b.WriteString("\n(\neval ")
			b.WriteString(body)
			b.WriteString("\n)\n")
		case isolated[i]:
			b.WriteString("__quirk_out ")
			num(index[i])
			b.WriteString("\n(\n")
			b.WriteString(iso)
			b.WriteString(set)
			b.WriteString("\neval ")
			b.WriteString(body)
			b.WriteString("\n)\n__quirk_st=$?\n__quirk_out -1\n")
		case c.Setup != "":
			// needsSubshell let it run here: bash scopes it to a function.
			local, ok := locals[c.Setup]
			if !ok {
				if names, _ := localSetup(c.Setup); len(names) > 0 {
					local = "local " + strings.Join(names, " ") + "\n"
				}
				locals[c.Setup] = local
			}
			b.WriteString("__quirk_f() {\nlocal -\n")
			b.WriteString(local)
			b.WriteString(set)
			b.WriteString("\neval ")
			b.WriteString(body)
			b.WriteString("\n}\n__quirk_f\n")
			if inGroup {
				grouped++
			}
		default:
			// Separate lines: bash skips the rest of a line after some
			// expansion errors, and the status must still be written.
			b.WriteString(set)
			b.WriteString("\neval ")
			b.WriteString(body)
			b.WriteString("\n")
			if inGroup {
				grouped++
			}
		}
		next := -1
		if i+1 < len(cases) {
			next = index[i+1]
		}
		status := `"$?"`
		if isolated[i] && !mergedAlone {
			status = `"$__quirk_st"`
		}
		// A group ends before an isolated case, after groupSize cases and
		// at the end; the case after it is begun outside, so that it
		// starts even when a case killed the group's subshell.
		closeGroup := inGroup && (i+1 == len(cases) || isolated[i+1] || atTop(i+1) || grouped == groupSize)
		if closeGroup {
			endCase(status, -1)
			b.WriteString(")\n")
			inGroup = false
			if next >= 0 {
				begin(next)
			}
			continue
		}
		endCase(status, next)
	}
	return b.String()
}

// versionGuard opens a bash batch (before its emitter): it reports
// $BASH_VERSION on the record stream, in the merged form, (so quirk need not start bash once more to ask) and, when the
// batch was written for a bash that scopes setups with "local -" before
// the version was known, ends before the first case in an older one; the
// caller then writes the batch again for that bash.
func versionGuard(assumedScoping bool) string {
	g := `printf '\0v%s\0' "$BASH_VERSION" >&3` + "\n"
	if assumedScoping {
		g += fmt.Sprintf("(( BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= %d )) || exit 0\n", scopedBash)
	}
	return g
}

// scopedBash is the first bash (major*100+minor) with "local -": 4.4.
var scopedBash = 404

// groupSize is how many direct cases share one subshell: a case that ends
// its shell (dash's "Bad substitution", bash's fatal expansion errors)
// costs the rest of its group a rerun, not the whole batch a new process.
const groupSize = 64

// needsSubshell says whether a case must run in its own subshell: its word
// could change the shell (assignments, arithmetic side effects, commands)
// or does not parse as one simple word list, or it has a setup that cannot
// be scoped to a function (see localSetup; only when localScope, i.e.
// bash, whose "local -" restores the options too).
func needsSubshell(c WordCase, localScope bool) bool {
	return needsSubshellIn(c, "", localScope)
}

// needsSubshellIn is needsSubshell for an engine whose fatal expansions are
// known: a word that would end the shell runs in its own subshell from the
// start, instead of costing its group a rerun in a new process. In dash and
// BusyBox ash every non-POSIX expansion (${x:1}, ${x/a/b}, ${x^}) is a fatal
// "Bad substitution". bash's negative length (${@:2:-1}) ends a subshell
// but not the top level of the batch: such a case runs there instead (see
// topLevelIn), with neither a subshell nor a group of its own.
func needsSubshellIn(c WordCase, engine string, localScope bool) bool {
	isolated, _ := placementOf(c, engine, localScope)
	return isolated
}

// topLevelIn says whether a case that needs no subshell of its own runs
// at the batch's top level, as every such case in bash does: an expansion
// error there discards the command (status 1, the message on stderr) and
// the sourced batch goes on, where in a subshell (a group) it ends the
// subshell; a function's locals and "local -" are restored on the way
// out. Should a shell end anyway, the case is rerun in a subshell of its
// own, as any other killer.
func topLevelIn(c WordCase, engine string, localScope bool) bool {
	_, top := placementOf(c, engine, localScope)
	return top
}

// placementOf is needsSubshellIn and topLevelIn from one parse of the
// word (and one of the setup): planning runs for every case before any
// shell starts, so a parse more per case is a cost every batch pays.
func placementOf(c WordCase, engine string, localScope bool) (isolated, top bool) {
	isolated, top, _ = placeCase(c, engine, localScope)
	return isolated, top
}

// placeCase is placementOf and, from the same parse, whether the case is
// quiet: it can write nothing but the shell's own messages and its record,
// for it has no setup (whose commands could print anything, a NUL
// included) and its word runs no command substitution. A word can still
// reach code hidden in the environment's values (${x@P}, a[$(…)] in
// arithmetic); so can a direct case's, which writes to the merged stream
// too: such output can only confuse the results of the cases' own author.
func placeCase(c WordCase, engine string, localScope bool) (isolated, top, quiet bool) {
	if c.Setup != "" {
		if _, ok := localSetup(c.Setup); !localScope || !ok {
			return true, false, false
		}
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader("__quirk_emit "+c.Word), "")
	if err != nil || len(f.Stmts) != 1 {
		return true, false, false
	}
	quiet = c.Setup == "" && !runsCommandSubst(f)
	// Only one simple command, the printing one, may run directly: a word
	// like "x && set -f" adds a second command that changes the shell for
	// every later case.
	st := f.Stmts[0]
	if call, ok := st.Cmd.(*syntax.CallExpr); !ok || len(call.Assigns) > 0 || !plainStmt(st) || call.Args[0].Lit() != "__quirk_emit" {
		return true, false, false
	}
	if changesShell(f) {
		return true, false, quiet
	}
	// The word's own expansions are those of the printing command's
	// arguments: the same nodes a parse of the word alone gives.
	if fatalInNode(f, engine) == fatalAnywhere {
		return true, false, quiet
	}
	// In bash every other direct case runs at the top level: there an
	// expansion error (a negative length, an arithmetic or indirection
	// error) discards the printing command with status 1 and the batch
	// goes on, where in a group subshell it ends the group and costs the
	// rest of it a rerun; and the group's fork (about 0.6 ms in a batch's
	// bash) is saved. A case that ends bash's top level anyway (a "bad
	// substitution" the parse above accepts) ends the batch: it and the
	// cases after it are rerun, it in a subshell of its own.
	return false, engine == "bash", quiet
}

type fatality int

const (
	notFatal        fatality = iota
	fatalAnywhere            // ends the shell wherever it runs
	fatalInSubshell          // ends a subshell, not the top level (bash runs such cases there)
)

// fatalInNode is what evaluating the word in f does to the engine's shell.
func fatalInNode(f syntax.Node, engine string) fatality {
	fatal := notFatal
	syntax.Walk(f, func(n syntax.Node) bool {
		pe, ok := n.(*syntax.ParamExp)
		if !ok {
			return fatal != fatalAnywhere
		}
		switch engine {
		case "dash", "ash":
			if pe.Slice != nil || pe.Repl != nil || pe.Exp != nil && pe.Exp.Op >= syntax.UpperFirst && pe.Exp.Op <= syntax.LowerAll {
				fatal = fatalAnywhere
			}
		case "bash":
			if pe.Slice != nil && pe.Slice.Length != nil {
				if u, ok := pe.Slice.Length.(*syntax.UnaryArithm); ok && u.Op == syntax.Minus {
					fatal = fatalInSubshell
				}
			}
		}
		return fatal != fatalAnywhere
	})
	return fatal
}

// runsCommandSubst says whether n holds a command or process substitution
// or a redirection.
func runsCommandSubst(n syntax.Node) bool {
	found := false
	syntax.Walk(n, func(n syntax.Node) bool {
		switch n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst, *syntax.Redirect:
			found = true
		}
		return !found
	})
	return found
}

func plainStmt(st *syntax.Stmt) bool {
	return !st.Background && !st.Coprocess && !st.Negated && len(st.Redirs) == 0
}

// changesShell reports whether n holds anything that could change the
// shell's state or end it: a command or process substitution, a
// redirection, an assignment, ${x=…}, ${x?…}, or an arithmetic assignment.
func changesShell(n syntax.Node) bool {
	risky := false
	syntax.Walk(n, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst, *syntax.Redirect, *syntax.Assign:
			risky = true
		case *syntax.ParamExp:
			if n.Exp != nil {
				switch n.Exp.Op {
				case syntax.AssignUnset, syntax.AssignUnsetOrNull, syntax.ErrorUnset, syntax.ErrorUnsetOrNull:
					risky = true
				}
			}
		case *syntax.UnaryArithm:
			if n.Op == syntax.Inc || n.Op == syntax.Dec {
				risky = true
			}
		case *syntax.BinaryArithm:
			switch n.Op {
			case syntax.Assgn, syntax.AddAssgn, syntax.SubAssgn, syntax.MulAssgn, syntax.QuoAssgn, syntax.RemAssgn,
				syntax.AndAssgn, syntax.OrAssgn, syntax.XorAssgn, syntax.ShlAssgn, syntax.ShrAssgn,
				syntax.AndBoolAssgn, syntax.OrBoolAssgn, syntax.XorBoolAssgn, syntax.PowAssgn:
				risky = true
			}
		}
		return !risky
	})
	return risky
}

// localSetup says whether a setup can run inside a function instead of a
// subshell (no fork: the cost of a third of the checker's cases), and which
// names it assigns, to be declared local: it may only assign plain
// variables (lower-case names or IFS, no index, no +=) with values that
// change nothing else, and call "set" and "shift" with literal arguments.
// "local -" then restores the options on return, and the function's own
// positional parameters take the case's arguments.
func localSetup(setup string) ([]string, bool) {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(setup), "")
	if err != nil {
		return nil, false
	}
	var names []string
	for _, st := range f.Stmts {
		call, ok := st.Cmd.(*syntax.CallExpr)
		if !ok || !plainStmt(st) {
			return nil, false
		}
		if len(call.Args) > 0 {
			switch call.Args[0].Lit() {
			case "set", "shift":
			default:
				return nil, false
			}
			if len(call.Assigns) > 0 {
				return nil, false
			}
			last := ""
			for _, a := range call.Args[1:] {
				last = a.Lit()
				if last == "" && len(a.Parts) > 0 {
					q, quoted := a.Parts[0].(*syntax.SglQuoted)
					if !quoted || len(a.Parts) != 1 {
						return nil, false
					}
					last = q.Value
				}
			}
			if call.Args[0].Lit() == "set" && printsOptions(len(call.Args) == 1, last) {
				return nil, false
			}
			continue
		}
		for _, as := range call.Assigns {
			if as.Append || as.Naked || as.Index != nil || as.Array != nil || !localName(as.Name.Value) {
				return nil, false
			}
			if as.Value != nil && changesShell(as.Value) {
				return nil, false
			}
			names = append(names, as.Name.Value)
		}
	}
	return names, true
}

// printsOptions says whether a set command writes to stdout: with no
// arguments it lists the variables, and an option cluster ending in "o"
// ("-o", "+o", "-eo") with no option name after it lists the options.
// A case running directly writes to the record stream (recordsMerged),
// where the listing would break the stream (its case and the rest of the
// batch would then be rerun), so such a setup runs in a subshell.
func printsOptions(noArgs bool, last string) bool {
	if noArgs {
		return true
	}
	return len(last) >= 2 && (last[0] == '-' || last[0] == '+') && last[len(last)-1] == 'o'
}

func localName(name string) bool {
	if name == "IFS" {
		return true
	}
	for i, c := range name {
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return name != ""
}

// splitMarked cuts a stdout or stderr stream at the case markers.
func splitMarked(stream []byte, prefix string) map[int]string {
	out := map[int]string{}
	parts := bytes.Split(stream, []byte(prefix))
	for _, p := range parts[1:] {
		end := bytes.IndexByte(p, 0x1f)
		if end < 0 {
			continue
		}
		n, err := strconv.Atoi(string(p[:end]))
		if err != nil {
			continue
		}
		out[n] += string(p[end+1:])
	}
	return out
}

// parseMerged reads a merged batch stream (recordsMerged): records, each
// starting with a NUL ("\0cN\0", "\0sSTATUS\0", "\0vVERSION\0", and
// "\0nK\0" followed by K NUL-terminated fields), and between them the
// messages of the case begun last, returned in texts. Text before the
// first case is dropped, as splitMarked drops it.
func parseMerged(stream []byte) (recs map[int]*caseRecord, texts map[int]string, version string, err error) {
	recs, texts = map[int]*caseRecord{}, map[int]string{}
	var cur *caseRecord
	curNo := -1
	for i := 0; i < len(stream); {
		if stream[i] != 0 {
			end := bytes.IndexByte(stream[i:], 0)
			if end < 0 {
				end = len(stream) - i
			}
			if curNo >= 0 {
				texts[curNo] += string(stream[i : i+end])
			}
			i += end
			continue
		}
		end := bytes.IndexByte(stream[i+1:], 0)
		if end < 0 {
			return recs, texts, version, nil // cut short while writing a record
		}
		t := stream[i+1 : i+1+end]
		i += end + 2
		if len(t) == 0 {
			return recs, texts, version, fmt.Errorf("record stream: empty record at %d", i)
		}
		if t[0] == 'v' {
			version = string(t[1:])
			continue
		}
		num, aerr := strconv.Atoi(string(t[1:]))
		if aerr != nil {
			return recs, texts, version, fmt.Errorf("record stream: bad record %q", t)
		}
		switch t[0] {
		case 'c':
			cur, curNo = &caseRecord{}, num
			recs[num] = cur
		case 'n':
			if cur == nil || num < 0 {
				return recs, texts, version, fmt.Errorf("record stream: bad field count %q", t)
			}
			fields := make([]string, 0, num)
			for range num {
				end := bytes.IndexByte(stream[i:], 0)
				if end < 0 {
					// Cut short while printing: leave the case unfinished.
					return recs, texts, version, nil
				}
				fields = append(fields, string(stream[i:i+end]))
				i += end + 1
			}
			cur.fields = fields
		case 's':
			if cur == nil {
				return recs, texts, version, fmt.Errorf("record stream: status without a case")
			}
			cur.status, cur.finished = num, true
			cur = nil
		default:
			return recs, texts, version, fmt.Errorf("record stream: bad record %q", t)
		}
	}
	return recs, texts, version, nil
}

// caseRecord is what fd 3 said about one case.
type caseRecord struct {
	fields   []string
	status   int
	finished bool
}

// parseRecords reads the fd 3 token stream. A case that started but has no
// status record was cut short (timeout or kill).
func parseRecords(stream []byte) (map[int]*caseRecord, error) {
	recs, _, err := parseRecordsVersion(stream)
	return recs, err
}

// parseRecordsVersion is parseRecords that also returns the version a
// batch reported ("vVERSION", see versionGuard).
func parseRecordsVersion(stream []byte) (recs map[int]*caseRecord, version string, err error) {
	recs, err = parseCaseRecords(stream, &version)
	return recs, version, err
}

func parseCaseRecords(stream []byte, version *string) (map[int]*caseRecord, error) {
	recs := map[int]*caseRecord{}
	tokens := bytes.Split(stream, []byte{0})
	// The stream ends with a NUL, so the last token is empty.
	if len(tokens) > 0 && len(tokens[len(tokens)-1]) == 0 {
		tokens = tokens[:len(tokens)-1]
	}
	var cur *caseRecord
	for i := 0; i < len(tokens); i++ {
		t := tokens[i]
		if len(t) == 0 {
			return recs, fmt.Errorf("record stream: empty token at %d", i)
		}
		if t[0] == 'v' && i == 0 {
			*version = string(t[1:])
			continue
		}
		num, err := strconv.Atoi(string(t[1:]))
		if err != nil {
			return recs, fmt.Errorf("record stream: bad token %q", t)
		}
		switch t[0] {
		case 'c':
			cur = &caseRecord{}
			recs[num] = cur
		case 'n':
			if cur == nil || num < 0 {
				return recs, fmt.Errorf("record stream: bad field count %q", t)
			}
			if i+num >= len(tokens) {
				// Cut short while printing: leave the case unfinished.
				return recs, nil
			}
			cur.fields = make([]string, 0, num)
			for _, f := range tokens[i+1 : i+1+num] {
				cur.fields = append(cur.fields, string(f))
			}
			i += num
		case 's':
			if cur == nil {
				return recs, fmt.Errorf("record stream: status without a case")
			}
			cur.status, cur.finished = num, true
			cur = nil
		default:
			return recs, fmt.Errorf("record stream: bad token %q", t)
		}
	}
	return recs, nil
}
