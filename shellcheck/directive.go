package shellcheck

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"mvdan.cc/sh/v3/syntax"
)

// A directive is a "# quirk disable=…" (or "# shellcheck disable=…") comment.
//
//	# quirk disable=QK5001,QK5004 -- reason     the next statement (all its lines)
//	cmd "${@:0}"  # quirk disable=QK5001 -- why  this line
//	# quirk disable-file=QK5011 -- reason       the whole file
//
// Codes may be IDs or names. A quirk directive needs a reason after " -- "
// (staticcheck's rule); ShellCheck's own directives are honoured for QK codes
// without one, since their grammar has no reason field.
type directive struct {
	comment    *syntax.Comment
	start, end int // line range it covers, inclusive
	entries    []*directiveEntry
}

type directiveEntry struct {
	analyzer *analysis.Analyzer
	used     bool
}

var directiveRe = regexp.MustCompile(`^\s*(quirk|shellcheck)\s+(.*)$`)

// applyDirectives drops suppressed diagnostics and adds QK5900/QK5901
// findings for malformed and unused directives.
func applyDirectives(file *syntax.File, src []byte, diags []analysis.Diagnostic, lookup func(string) *analysis.Analyzer, enabled func(*analysis.Analyzer) bool) []analysis.Diagnostic {
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
	for _, c := range comments {
		m := directiveRe.FindStringSubmatch(c.Text)
		if m == nil {
			continue
		}
		ours := m[1] == "quirk"
		body, reason, hasReason := strings.Cut(m[2], " -- ")
		line := int(c.Pos().Line())
		d := &directive{comment: c, start: line, end: line}
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
					a := lookup(code)
					if a == nil {
						if ours {
							report(c, BadDirective, "directive names unknown check %q; see quirk explain", code)
						}
						continue // ShellCheck's own SC codes are not ours to judge
					}
					d.entries = append(d.entries, &directiveEntry{analyzer: a})
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
		case fileWide:
			d.start, d.end = 1, 1<<31-1
		case ownLine(src, c):
			d.start, d.end = line+1, line+1
			if st := nextStmt(stmts, c); st != nil {
				d.start, d.end = int(st.Pos().Line()), int(st.End().Line())
			}
		}
		dirs = append(dirs, d)
	}
	kept := diags[:0]
	for _, diag := range diags {
		line, _ := LineCol(src, diag.Start)
		if !suppressed(dirs, diag.Analyzer, line) {
			kept = append(kept, diag)
		}
	}
	for _, d := range dirs {
		for _, e := range d.entries {
			if !e.used && enabled(e.analyzer) && !e.analyzer.Builtin {
				report(d.comment, UnusedDirective, "directive disables %s but nothing here triggers it; remove it", e.analyzer.ID)
			}
		}
	}
	// Hygiene findings can themselves be disabled, but only file-wide: a
	// directive cannot sensibly excuse itself.
	for _, p := range problems {
		line, _ := LineCol(src, p.Start)
		if !suppressed(dirs, p.Analyzer, line) {
			kept = append(kept, p)
		}
	}
	return kept
}

func suppressed(dirs []*directive, a *analysis.Analyzer, line int) bool {
	hit := false
	for _, d := range dirs {
		if line < d.start || line > d.end {
			continue
		}
		for _, e := range d.entries {
			if e.analyzer == a {
				e.used, hit = true, true
			}
		}
	}
	return hit
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

// nextStmt is the outermost statement starting after c.
func nextStmt(stmts []*syntax.Stmt, c *syntax.Comment) *syntax.Stmt {
	var best *syntax.Stmt
	for _, st := range stmts {
		if st.Pos().Offset() <= c.Pos().Offset() {
			continue
		}
		if best == nil || st.Pos().Offset() < best.Pos().Offset() ||
			st.Pos().Offset() == best.Pos().Offset() && st.End().Offset() > best.End().Offset() {
			best = st
		}
	}
	return best
}
