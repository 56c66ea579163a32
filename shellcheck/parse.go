package shellcheck

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"mvdan.cc/sh/v3/syntax"
)

// Code quirk had to leave out, or bytes it had to stand in for, is reported by
// the checker itself so the user knows the file was checked only in part.
var (
	SkippedCode = &analysis.Analyzer{
		ID:       "QK5902",
		Name:     "skipped-unparsable-code",
		Severity: analysis.Warning,
		Builtin:  true,
		URL:      analysis.DocURL("QK5902"),
		Doc: `code quirk could not parse was skipped

When part of a script does not parse (zsh syntax in a branch that only zsh
takes, an associative array key mvdan.cc/sh reads as arithmetic), quirk leaves
out the smallest run of lines, or else the whole top-level statement, that
lets the rest parse, checks the rest, and says what it skipped. Nothing in the
skipped lines was checked.

Bad:
    if [ -n "$ZSH_VERSION" ]; then parts=(${(s:,:)csv}); fi
Good:
    # keep zsh-only code in a file with a zsh shebang, or set the dialect
    # with "# shellcheck shell=zsh"`,
		Hint: `move dialect-specific code into its own file, or set the dialect with a shebang or --shell`,
	}
	NotUTF8 = &analysis.Analyzer{
		ID:       "QK5903",
		Name:     "not-utf8",
		Severity: analysis.Info,
		Builtin:  true,
		URL:      analysis.DocURL("QK5903"),
		Doc: `script is not valid UTF-8

The script has bytes that are not UTF-8 (usually Latin-1 text in comments or
messages). quirk checks it anyway, reading each such byte as an unknown
character; the shell reads bytes as the locale says, and editors may show
them wrongly.

Bad:
    echo "caf\xe9"      # the byte 0xe9, Latin-1 for é
Good:
    echo "café"         # iconv -f latin1 -t utf-8`,
		Hint: `convert it, e.g. iconv -f latin1 -t utf-8`,
	}
)

// utf8Placeholder stands in for a byte that is not UTF-8, so that every
// offset in the parsed tree is still an offset into the original file. A
// name character is the most neutral choice: it does not glob, split or
// start an expansion.
const utf8Placeholder = '_'

// sanitizeUTF8 returns src with every byte that is not part of a valid UTF-8
// sequence replaced by utf8Placeholder, and the offset of the first one, or
// -1 when src is valid (then src itself is returned, not a copy).
func sanitizeUTF8(src []byte) ([]byte, int) {
	if utf8.Valid(src) {
		return src, -1
	}
	out := bytes.Clone(src)
	first := -1
	for off := 0; off < len(out); {
		r, size := utf8.DecodeRune(out[off:])
		if r == utf8.RuneError && size <= 1 {
			if first < 0 {
				first = off
			}
			out[off] = utf8Placeholder
			size = 1
		}
		off += size
	}
	return out, first
}

// parsed is a script as quirk checks it: the tree, the source the tree's
// offsets refer to (the original with skipped code blanked and, for each
// "$((cmd) …)", one space inserted), and how to map offsets back.
type parsed struct {
	file     *syntax.File
	src      []byte
	skipped  []skippedRange // in source order, offsets into src
	attempts int            // parses spent on recovery, for tests
	// inserted holds, in increasing order, the offsets in src of the bytes
	// that are not in the original.
	inserted []int
}

type skippedRange struct {
	start, end int // byte range in src, end exclusive
	reason     string
}

// origOffset maps an offset in the parsed source back to the original file.
func (p *parsed) origOffset(off int) int {
	n := 0
	for _, ins := range p.inserted {
		if ins < off {
			n++
		}
	}
	return off - n
}

// maxSkipped bounds recovery: a file with more unparsable pieces than this
// is probably not shell at all, and is reported as a parse error.
const maxSkipped = 12

// parseScript parses src as dialect. When the parse fails it recovers the way
// a reader would: "$((cmd) …)" is a command substitution holding a subshell,
// as bash reads it; otherwise it leaves out the smallest run of lines at the
// error, or the whole top-level statement holding it, that lets the parse go
// further, and tries again. The error returned is the first parse error,
// when no recovery works (the parsed value then only tells what was tried).
func parseScript(filename string, src []byte, dialect analysis.Dialect) (*parsed, error) {
	variant := dialect.ParserVariant()
	if isBats(filename, src) {
		variant = syntax.LangBats
	}
	parseAs := func(b []byte, v syntax.LangVariant) (*syntax.File, error) {
		return syntax.NewParser(syntax.KeepComments(true), syntax.Variant(v)).Parse(bytes.NewReader(b), filename)
	}
	file, err := parseAs(src, variant)
	if err == nil {
		return &parsed{file: file, src: src}, nil
	}
	if dialect == analysis.Sh {
		// Bash reads "((" as arithmetic where POSIX sh sees two subshells;
		// a POSIX parse rescues such scripts (it fails on bash syntax, which
		// the first parse would have accepted).
		if f2, err2 := parseAs(src, syntax.LangPOSIX); err2 == nil {
			return &parsed{file: f2, src: src}, nil
		}
	}
	first := err
	p := &parsed{src: src}
	// Every candidate costs a parse of the whole file, so recovery gets a
	// budget in bytes parsed: hostile input (megabytes of non-shell) must
	// not turn one file into minutes of work.
	budget := recoveryBudget(len(src))
	parse := func(b []byte) (*syntax.File, error) {
		if budget -= len(b) + 1; budget < 0 {
			return nil, errBudget
		}
		p.attempts++
		return parseAs(b, variant)
	}
	for range maxSkipped * 2 {
		off, ok := errOffset(err)
		if !ok || unclosed(err) {
			// An "if" without "fi" or a quote left open swallows the rest
			// of the file in bash too: nothing after it would run.
			return p, first
		}
		if fixed, at, ok := splitArithmParen(p.src, off, parse); ok {
			p.src = fixed
			for i := range p.skipped {
				if p.skipped[i].start >= at {
					p.skipped[i].start++
					p.skipped[i].end++
				}
			}
			p.inserted = insertSorted(p.inserted, at)
		} else {
			if len(p.skipped) >= maxSkipped {
				return p, first
			}
			blanked, r, ok := skipAround(p.src, off, parse, variant)
			if !ok {
				return p, first
			}
			r.reason = errText(err)
			p.src = blanked
			p.skipped = append(p.skipped, r)
		}
		file, err = parse(p.src)
		if errors.Is(err, errBudget) {
			return p, first
		}
		if err == nil {
			p.file = file
			p.skipped = mergeSkipped(p.skipped)
			return p, nil
		}
	}
	return p, first
}

// errBudget ends a recovery that has used up its budget.
var errBudget = errors.New("parse recovery budget used up")

// recoveryBudget is how many bytes recovery may parse for a file of n bytes:
// 256 parses of a script up to 128 KiB, fewer of a larger one, never more
// than 32 MiB in all (a second or so); a broken file of more than 32 MiB is
// reported as a parse error.
func recoveryBudget(n int) int {
	return min(256*(n+1), 32<<20)
}

// unclosed reports errors about a construct that reaches the end of the
// file, which no amount of skipping can turn back into the script meant.
func unclosed(err error) bool {
	t := errText(err)
	return strings.Contains(t, "must end with") || strings.Contains(t, "reached EOF") || strings.Contains(t, "unclosed")
}

func insertSorted(list []int, v int) []int {
	for i := range list {
		if list[i] >= v {
			list[i]++
		}
	}
	list = append(list, v)
	for i := len(list) - 1; i > 0 && list[i] < list[i-1]; i-- {
		list[i], list[i-1] = list[i-1], list[i]
	}
	return list
}

func isBats(filename string, src []byte) bool {
	if strings.EqualFold(filepath.Ext(filename), ".bats") {
		return true
	}
	if len(src) < 2 || src[0] != '#' || src[1] != '!' {
		return false
	}
	line, _, _ := bytes.Cut(src[:min(len(src), 256)], []byte("\n"))
	return bytes.HasSuffix(bytes.TrimSpace(line), []byte("bats"))
}

func errOffset(err error) (int, bool) {
	var perr syntax.ParseError
	var lerr syntax.LangError
	switch {
	case errors.As(err, &perr):
		return int(perr.Pos.Offset()), perr.Pos.IsValid()
	case errors.As(err, &lerr):
		return int(lerr.Pos.Offset()), lerr.Pos.IsValid()
	}
	return 0, false
}

func errText(err error) string {
	var perr syntax.ParseError
	var lerr syntax.LangError
	switch {
	case errors.As(err, &perr):
		return perr.Text
	case errors.As(err, &lerr):
		return strings.TrimPrefix(lerr.Error(), lerr.Filename+":"+lerr.Pos.String()+": ")
	}
	return err.Error()
}

// splitArithmParen handles "$((cmd) | tr a b)": bash first tries "$((" as
// arithmetic and, when that does not close with "))", reads it as a command
// substitution whose first command is a subshell. mvdan.cc/sh commits to
// arithmetic, so the nearest "$((" before the error gets a space after "$(",
// which is what the script means; it is kept only when the parse then gets
// further. It returns the new source and the offset of the inserted space.
func splitArithmParen(src []byte, errOff int, parse func([]byte) (*syntax.File, error)) ([]byte, int, bool) {
	limit := min(errOff+1, len(src))
	for tries := 0; tries < 3; tries++ {
		i := bytes.LastIndex(src[:limit], []byte("$(("))
		if i < 0 {
			return nil, 0, false
		}
		limit = i
		if closesAsArithm(src[i+3:]) {
			continue
		}
		fixed := make([]byte, 0, len(src)+1)
		fixed = append(fixed, src[:i+2]...)
		fixed = append(fixed, ' ')
		fixed = append(fixed, src[i+2:]...)
		_, err := parse(fixed)
		if err == nil {
			return fixed, i + 2, true
		}
		if off, ok := errOffset(err); ok && off > errOff+1 {
			return fixed, i + 2, true
		}
	}
	return nil, 0, false
}

// closesAsArithm reports whether the text after "$((" closes with "))", which
// is when bash reads it as arithmetic: it finds the ")" that matches the
// second "(" and looks at the byte after it.
func closesAsArithm(rest []byte) bool {
	depth := 0
	var quote byte
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' {
				i++
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '\\':
			i++
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				return i+1 < len(rest) && rest[i+1] == ')'
			}
			depth--
		}
	}
	return true // never closed: not ours to fix
}

// lineStarts returns the offset of the start of every line.
func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' && i+1 < len(src) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// blank returns src with [start,end) turned into spaces, newlines kept, so
// every other offset and line number stays where it was.
func blank(src []byte, start, end int) []byte {
	out := bytes.Clone(src)
	for i := start; i < end; i++ {
		if out[i] != '\n' {
			out[i] = ' '
		}
	}
	return out
}

// maxTries bounds the parses one recovery step may spend on each strategy.
const maxTries = 64

// skipAround finds what to leave out for a parse error at errOff: first the
// error's line and up to a few lines after it, then the top-level statement
// that holds the error, ending at the error line or later. A candidate is
// taken when the file then parses, or fails only further on.
func skipAround(src []byte, errOff int, parse func([]byte) (*syntax.File, error), variant syntax.LangVariant) ([]byte, skippedRange, bool) {
	starts := lineStarts(src)
	lineOf := func(off int) int {
		lo, hi := 0, len(starts)-1
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if starts[mid] <= off {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		return lo
	}
	lineEnd := func(l int) int {
		if l+1 < len(starts) {
			return starts[l+1] - 1
		}
		return len(src)
	}
	errLine := lineOf(min(errOff, max(len(src)-1, 0)))
	try := func(start, end int) ([]byte, bool) {
		if start >= end {
			return nil, false
		}
		// First with a ":" left in place of the skipped code, so that a
		// branch keeps a command ("then :; else"), then with nothing.
		for _, colon := range []bool{true, false} {
			b := blank(src, start, end)
			if colon {
				b[start] = ':'
			}
			_, err := parse(b)
			if err == nil {
				return b, true
			}
			off, ok := errOffset(err)
			// Further on, and not just the end of the file (an unclosed
			// construct above reports its error there).
			if ok && off > end && off < len(src) {
				return b, true
			}
		}
		return nil, false
	}
	// The error's own line, then a few more: a statement that fails on one
	// line ("${(s:,:)x}") or an array whose keys fail one after another.
	for k := 0; k < 8 && errLine+k < len(starts); k++ {
		if b, ok := try(starts[errLine], lineEnd(errLine+k)); ok {
			return b, skippedRange{start: starts[errLine], end: lineEnd(errLine + k)}, true
		}
	}
	// The whole top-level statement: it starts after the last one that
	// parsed, and ends at the error line or a later one.
	stmtStart := 0
	parser := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(variant))
	for st, err := range parser.StmtsSeq(bytes.NewReader(src)) {
		if err != nil || int(st.End().Offset()) > errOff {
			break
		}
		stmtStart = int(st.End().Offset())
	}
	stmtLine := lineOf(stmtStart)
	if stmtStart > starts[stmtLine] && stmtLine+1 < len(starts) {
		stmtLine++ // the last good statement ends on this line
	}
	for l := errLine; l < len(starts) && l-errLine < maxTries*4; l++ {
		// Only lines that could close a statement: beyond the first few,
		// try just those starting at the margin (}, fi, done, esac, …).
		if l-errLine > 8 && (starts[l] >= len(src) || src[starts[l]] == ' ' || src[starts[l]] == '\t') {
			continue
		}
		if b, ok := try(starts[stmtLine], lineEnd(l)); ok {
			return b, skippedRange{start: starts[stmtLine], end: lineEnd(l)}, true
		}
	}
	return nil, skippedRange{}, false
}

// mergeSkipped joins ranges that touch (the keys of one array, skipped one
// after another) so each gets one diagnostic.
func mergeSkipped(rs []skippedRange) []skippedRange {
	if len(rs) < 2 {
		return rs
	}
	sorted := append([]skippedRange(nil), rs...)
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && sorted[j].start < sorted[j-1].start; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	out := sorted[:1]
	for _, r := range sorted[1:] {
		last := &out[len(out)-1]
		if r.start <= last.end+1 {
			last.end = max(last.end, r.end)
			continue
		}
		out = append(out, r)
	}
	return out
}

// skippedDiagnostics says what recovery left out.
func (p *parsed) skippedDiagnostics(lineOf func(off int) int) []analysis.Diagnostic {
	var out []analysis.Diagnostic
	for _, r := range p.skipped {
		from, to := lineOf(r.start), lineOf(max(r.end-1, r.start))
		lines := fmt.Sprintf("line %d", from)
		if to > from {
			lines = fmt.Sprintf("lines %d-%d", from, to)
		}
		out = append(out, analysis.Diagnostic{
			Start: r.start, End: r.start, Analyzer: SkippedCode, Severity: SkippedCode.Severity,
			Message: fmt.Sprintf("could not parse %s (%s); skipped %s and checked the rest of the file", lines, r.reason, map[bool]string{true: "them", false: "it"}[to > from]),
		})
	}
	return out
}
