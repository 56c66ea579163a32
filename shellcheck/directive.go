package shellcheck

import (
	"bytes"
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"mvdan.cc/sh/v3/syntax"
)

// A directive is a "# quirk disable=…" (or "# shellcheck disable=…") comment.
//
//	# quirk disable=QK5001,QK5004 -- reason     the next statement's lines
//	cmd "${@:0}"  # quirk disable=QK5001 -- why  this line
//	# quirk disable-file=QK5011 -- reason       the whole file
//
// A ShellCheck directive covers what ShellCheck 0.9 covers: the next
// statement, all of an and-or list or pipeline and its here-documents, but
// not a command after a ";" on the same line
// (TestDirectiveScopeMatchesShellCheck). quirk's own covers every command on
// the lines of that statement, and its here-documents. Codes may be IDs or
// names. A quirk directive needs a reason after " -- "
// (staticcheck's rule). ShellCheck's own directives need none (their grammar
// has no reason field) and are read as ShellCheck reads them:
//
//   - "SC5001" is QK5001: what editors insert when they show quirk's codes
//     the ShellCheck way, and a form real ShellCheck accepts;
//   - a ShellCheck code (or range, SC2000-SC2199) silences the quirk checks
//     that warn about the same behaviour (Analyzer.ShellCheck), for the
//     constructs ShellCheck gives that code (Diagnostic.ShellCheck): an
//     author who silenced SC2068 on a line meant it for quirk too;
//   - "all" silences every quirk check, as it silences every ShellCheck one;
//   - a directive before the first command covers the whole file;
//   - one after "(", "{", then, do or else on its line covers the next
//     command, as one above it would.
//
// "# shellcheck disable=QK5001" is honoured too, but reported: real
// ShellCheck cannot parse it and stops checking the file (SC1073). So is a
// ShellCheck directive after a command, which ShellCheck refuses (SC1126):
// quirk applies it to its line.
type directive struct {
	comment *syntax.Comment
	spans   []span // what it covers
	entries []*directiveEntry
}

type directiveEntry struct {
	analyzer *analysis.Analyzer
	// shellCheck is the ShellCheck code the entry came from ("SC2068"),
	// shellCheckAll for "disable=all", or "" when the directive named the
	// quirk check itself.
	shellCheck string
	used       bool
}

// shellCheckAll marks the entries "# shellcheck disable=all" makes, one per
// check: they cover every finding of the check, whatever its construct.
const shellCheckAll = "all"

// covers reports whether the entry silences diag: the check named itself or
// by "all", or a ShellCheck code that ShellCheck gives diag's construct.
func (e *directiveEntry) covers(diag *analysis.Diagnostic) bool {
	if e.analyzer != diag.Analyzer {
		return false
	}
	return e.shellCheck == "" || e.shellCheck == shellCheckAll || slices.Contains(diag.ShellCheckCodes(), e.shellCheck)
}

var directiveRe = regexp.MustCompile(`^\s*(quirk|shellcheck)\s+(.*)$`)

// applyDirectives drops suppressed diagnostics and adds QK5900/QK5901
// findings for malformed and unused directives.
func applyDirectives(file *syntax.File, src []byte, diags []analysis.Diagnostic, known []*analysis.Analyzer, enabled func(*analysis.Analyzer) bool) []analysis.Diagnostic {
	lookup := func(key string) *analysis.Analyzer { return lookupIn(known, key) }
	if !bytes.Contains(src, []byte("quirk")) && !bytes.Contains(src, []byte("shellcheck")) {
		return diags // no directive can be there; skip a second walk
	}
	var comments []*syntax.Comment
	var stmts []*syntax.Stmt
	syntax.Walk(file, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Comment:
			comments = append(comments, n)
		case *syntax.Stmt:
			stmts = append(stmts, n)
		}
		return true
	})
	if len(comments) == 0 {
		return diags
	}
	sortStmts(stmts)
	var dirs []*directive
	var problems []analysis.Diagnostic
	report := func(c *syntax.Comment, a *analysis.Analyzer, format string, args ...any) {
		if !enabled(a) {
			return
		}
		problems = append(problems, analysis.Diagnostic{
			Start: int(c.Pos().Offset()), End: int(c.End().Offset()),
			Analyzer: a, Severity: a.Severity, Message: fmt.Sprintf(format, args...),
		})
	}
	addCode := func(d *directive, ours bool, code string) {
		if !ours {
			entries, qk := shellCheckEntries(code, known)
			if qk != nil {
				report(d.comment, BadDirective, "ShellCheck cannot parse %s in a shellcheck directive and stops checking the file (SC1073); write # quirk disable=%s -- reason, or # shellcheck disable=SC%d", code, qk.ID, qk.Code())
			}
			d.entries = append(d.entries, entries...)
			return
		}
		a := lookup(code)
		if a == nil {
			report(d.comment, BadDirective, "directive names unknown check %q; see quirk explain", code)
			return
		}
		d.entries = append(d.entries, &directiveEntry{analyzer: a})
	}
	for _, c := range comments {
		m := directiveRe.FindStringSubmatch(c.Text)
		if m == nil {
			continue
		}
		ours := m[1] == "quirk"
		body, reason, hasReason := strings.Cut(m[2], " -- ")
		d := &directive{comment: c}
		fileWide := false
		for _, field := range strings.Fields(body) {
			key, value, ok := strings.Cut(field, "=")
			if !ok {
				if ours {
					report(c, BadDirective, "directive %q is not key=value; write # quirk disable=QKnnnn -- reason", field)
				}
				break
			}
			switch key {
			case "disable", "disable-file":
				fileWide = fileWide || key == "disable-file"
				for _, code := range strings.Split(value, ",") {
					addCode(d, ours, code)
				}
			case "shell", "source", "source-path", "enable", "external-sources":
				// Read elsewhere (shell) or ShellCheck's business.
			default:
				if ours {
					report(c, BadDirective, "unknown directive key %q (want disable, disable-file or shell)", key)
				}
			}
		}
		if len(d.entries) == 0 {
			continue
		}
		if ours && (!hasReason || strings.TrimSpace(reason) == "") {
			report(c, BadDirective, `directive has no reason; add one after " -- " so the next reader knows why`)
		}
		switch {
		case fileWide || !ours && beforeFirstCommand(file, c):
			d.spans = []span{{0, len(src) + 1}}
		case !ownLine(src, c) && (ours || !afterOpener(src, c)):
			d.spans = []span{lineAround(src, int(c.Pos().Offset()))}
			if !ours {
				report(c, BadDirective, "ShellCheck does not take a directive after a command (SC1126) and may stop checking the file there; put it on its own line above the command")
			}
		default:
			if st := nextStmt(stmts, c); st != nil {
				d.spans = stmtSpans(st)
				if ours {
					// quirk's own directive has always covered every
					// command on the statement's lines: a directive above
					// "a; b" covers b too.
					first := &d.spans[0]
					first.start, first.end = lineAround(src, first.start).start, lineAround(src, first.end).end
				}
			} else {
				// Nothing follows: the next line, where a finding can
				// still be (a closing "done < …").
				d.spans = []span{lineAround(src, int(c.End().Offset())+1)}
			}
		}
		dirs = append(dirs, d)
	}
	kept := suppress(dirs, diags)
	for _, d := range dirs {
		for _, e := range d.entries {
			// A ShellCheck code left unused here may well be used by
			// ShellCheck: not quirk's to report.
			if !e.used && e.shellCheck == "" && !e.analyzer.Builtin && enabled(e.analyzer) {
				report(d.comment, UnusedDirective, "directive disables %s but nothing here triggers it; remove it", e.analyzer.ID)
			}
		}
	}
	// Hygiene findings can themselves be disabled, but only file-wide: a
	// directive cannot sensibly excuse itself.
	return append(kept, suppress(dirs, problems)...)
}

// suppress returns diags without those a directive covers, marking the
// entries that covered one as used. It sorts diags by position and looks up
// each span's findings there, so that a file with a directive on every other
// line costs n log n, not n² (one directive and one finding a line is what
// a hostile or generated file would hold).
func suppress(dirs []*directive, diags []analysis.Diagnostic) []analysis.Diagnostic {
	slices.SortStableFunc(diags, func(a, b analysis.Diagnostic) int { return a.Start - b.Start })
	dropped := make([]bool, len(diags))
	for _, d := range dirs {
		for _, s := range d.spans {
			i, _ := slices.BinarySearchFunc(diags, s.start, func(diag analysis.Diagnostic, off int) int { return diag.Start - off })
			for ; i < len(diags) && diags[i].Start < s.end; i++ {
				for _, e := range d.entries {
					if e.covers(&diags[i]) {
						e.used, dropped[i] = true, true
					}
				}
			}
		}
	}
	kept := diags[:0]
	for i, diag := range diags {
		if !dropped[i] {
			kept = append(kept, diag)
		}
	}
	return kept
}

// shellCheckEntries reads one code of a "# shellcheck disable=" list: SC5001
// (QK5001), a ShellCheck code or range mapped to the checks that cover the
// same behaviour, "all", or a quirk ID or name, which is honoured but also
// returned as qk, because it breaks real ShellCheck.
func shellCheckEntries(code string, known []*analysis.Analyzer) (entries []*directiveEntry, qk *analysis.Analyzer) {
	code = strings.TrimSpace(code)
	if code == shellCheckAll { // lower case only, as ShellCheck takes it
		for _, a := range known {
			entries = append(entries, &directiveEntry{analyzer: a, shellCheck: shellCheckAll})
		}
		return entries, nil
	}
	isCode := eachShellCheckMatch(code, known, func(a *analysis.Analyzer, sc string) {
		entries = append(entries, &directiveEntry{analyzer: a, shellCheck: sc})
	})
	if !isCode {
		if a := lookupIn(known, code); a != nil {
			return []*directiveEntry{{analyzer: a}}, a
		}
		// other ShellCheck words are ShellCheck's business
	}
	return entries, nil
}

// eachShellCheckMatch calls match for every check that a ShellCheck code or
// range ("SC2068", "2068", "SC2000-SC2199") names: a check whose own code is
// in it, as editors show quirk's codes (SC5001 is QK5001; sc is ""), and a
// check that warns about a construct ShellCheck gives a code in it (sc is
// that code). It reports whether code is a ShellCheck code at all.
func eachShellCheckMatch(code string, known []*analysis.Analyzer, match func(a *analysis.Analyzer, sc string)) bool {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code != "" && strings.Trim(code, "0123456789-") == "" {
		// ShellCheck takes bare numbers too (disable=2048,2086; 0.9.0,
		// measured): neofetch writes them that way.
		code = "SC" + strings.ReplaceAll(code, "-", "-SC")
	}
	if !strings.HasPrefix(code, "SC") {
		return false
	}
	lo, hi, ok := shellCheckRange(code)
	if !ok {
		return false
	}
	in := func(n int) bool { return lo <= n && n <= hi }
	for _, a := range known {
		if in(a.Code()) {
			match(a, "")
		}
		for _, sc := range a.ShellCheck {
			if n, _ := strconv.Atoi(strings.TrimPrefix(sc, "SC")); in(n) {
				match(a, sc)
			}
		}
	}
	return true
}

// shellCheckRange reads "SC2068" or "SC2000-SC2199".
func shellCheckRange(s string) (lo, hi int, ok bool) {
	first, last, isRange := strings.Cut(s, "-")
	lo, err := strconv.Atoi(strings.TrimPrefix(first, "SC"))
	if err != nil {
		return 0, 0, false
	}
	if !isRange {
		return lo, lo, true
	}
	hi, err = strconv.Atoi(strings.TrimPrefix(last, "SC"))
	return lo, hi, err == nil && hi >= lo
}

// beforeFirstCommand reports a directive that comes before every command
// of the file, which ShellCheck applies to the whole file.
func beforeFirstCommand(file *syntax.File, c *syntax.Comment) bool {
	return len(file.Stmts) == 0 || c.End().Offset() <= file.Stmts[0].Pos().Offset()
}

// afterOpener reports whether the comment follows, on its line, a word that
// opens a list of commands: "(", "{", "then", "do", "else". ShellCheck reads a
// directive there as one above the next command; after anything else (a
// command, "&&", "|") it refuses it. The word is read from the text, so
// "echo then # shellcheck …" is taken for an opener too.
func afterOpener(src []byte, c *syntax.Comment) bool {
	before := src[lineAround(src, int(c.Pos().Offset())).start:c.Pos().Offset()]
	fields := bytes.Fields(bytes.ReplaceAll(before, []byte(";"), []byte(" ")))
	if len(fields) == 0 {
		return false
	}
	switch string(fields[len(fields)-1]) {
	case "(", "{", "then", "do", "else":
		return true
	}
	return false
}

// ownLine reports whether only blanks precede the comment on its line.
func ownLine(src []byte, c *syntax.Comment) bool {
	off := int(c.Pos().Offset())
	for i := off - 1; i >= 0 && src[i] != '\n'; i-- {
		if src[i] != ' ' && src[i] != '\t' {
			return false
		}
	}
	return true
}

// A span is the byte offsets [start, end) of source a directive covers.
type span struct{ start, end int }

// lineAround is the line holding offset off, its newline included.
func lineAround(src []byte, off int) span {
	off = min(off, len(src))
	s := span{bytes.LastIndexByte(src[:off], '\n') + 1, len(src) + 1}
	if i := bytes.IndexByte(src[off:], '\n'); i >= 0 {
		s.end = off + i + 1
	}
	return s
}

// stmtSpans is what st covers: the statement and its here-document bodies,
// which come after the line it ends on (where a command after ";" is not
// st's), and ShellCheck's scope holds them.
func stmtSpans(st *syntax.Stmt) []span {
	spans := []span{{int(st.Pos().Offset()), int(st.End().Offset())}}
	syntax.Walk(st, func(n syntax.Node) bool {
		if r, ok := n.(*syntax.Redirect); ok && r.Hdoc != nil {
			spans = append(spans, span{int(r.Hdoc.Pos().Offset()), int(r.Hdoc.End().Offset())})
		}
		return true
	})
	return spans
}

// nextStmt is the outermost statement starting after c. stmts is sorted
// by sortStmts.
func nextStmt(stmts []*syntax.Stmt, c *syntax.Comment) *syntax.Stmt {
	i, _ := slices.BinarySearchFunc(stmts, c.Pos().Offset(), func(st *syntax.Stmt, off uint) int {
		if st.Pos().Offset() <= off {
			return -1
		}
		return 1
	})
	if i == len(stmts) {
		return nil
	}
	return stmts[i]
}

// sortStmts orders statements by where they start, the outermost (the one
// that ends last) first among those starting at the same offset; syntax.Walk
// visits a here-document's statements before a later command on its line.
func sortStmts(stmts []*syntax.Stmt) {
	slices.SortFunc(stmts, func(a, b *syntax.Stmt) int {
		if d := cmp.Compare(a.Pos().Offset(), b.Pos().Offset()); d != 0 {
			return d
		}
		return cmp.Compare(b.End().Offset(), a.End().Offset())
	})
}
