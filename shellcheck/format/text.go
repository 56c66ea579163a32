package format

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// writeTTY is ShellCheck's default layout: the line, a marker under the
// span, the code and message, then the rule's hint and any suggested fix.
func writeTTY(w io.Writer, results []*shellcheck.Result, opts Options) error {
	bw := bufio.NewWriter(w)
	paint := func(code, s string) string {
		if !opts.Color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	colors := map[analysis.Severity]string{analysis.Error: "31", analysis.Warning: "33", analysis.Info: "32", analysis.Style: "32"}
	seen := map[*analysis.Analyzer]bool{}
	var checks []*analysis.Analyzer
	for _, r := range results {
		li := newLineIndex(r.Src)
		for _, d := range r.Diagnostics {
			start, end := span(li, d)
			line := li.line(start.Line)
			fmt.Fprintf(bw, "\nIn %s line %d:\n%s\n", displayName(r), start.Line, expandTabs(line))
			width := 1
			if end.Line == start.Line {
				width = max(end.Col-start.Col, 1)
			}
			marker := "^"
			if width > 1 {
				marker = "^" + strings.Repeat("-", width-2) + "^"
			}
			// Tabs are shown as one space, so the column is the indent.
			indent := strings.Repeat(" ", max(start.Col-1, 0))
			fmt.Fprintf(bw, "%s%s\n", indent, paint(colors[d.Severity], fmt.Sprintf("%s %s (%s): %s", marker, d.Code(), d.Severity, d.Message)))
			fmt.Fprintf(bw, "%s  Hint: %s\n", indent, d.Analyzer.Hint)
			for _, e := range d.Evidence {
				fmt.Fprintf(bw, "%s  confirmed: %s\n", indent, e)
			}
			if d.Unconfirmed != "" {
				fmt.Fprintf(bw, "%s  not confirmed: %s\n", indent, d.Unconfirmed)
			}
			for _, f := range d.Fixes {
				if fixed, err := analysis.ApplyEdits(r.Src, f.Edits); err == nil {
					li2 := newLineIndex(fixed)
					note := "Fix"
					if f.Unsafe {
						note = "Possible fix (check the meaning)"
					}
					fmt.Fprintf(bw, "%s  %s: %s:\n%s\n", indent, note, f.Message, expandTabs(li2.line(start.Line)))
				}
			}
			if !seen[d.Analyzer] {
				seen[d.Analyzer] = true
				checks = append(checks, d.Analyzer)
			}
		}
	}
	if len(checks) > 0 {
		fmt.Fprintf(bw, "\nFor more information:\n")
		for _, a := range checks {
			if strings.HasPrefix(a.ID, "SC") { // real ShellCheck's, --with-shellcheck
				fmt.Fprintf(bw, "  %s -- %s\n", a.URL, a.ID)
				continue
			}
			fmt.Fprintf(bw, "  quirk explain %s -- %s\n", a.ID, a.Title())
		}
	}
	return bw.Flush()
}

// expandTabs shows tabs as single spaces so the marker lines up with the
// one-column-per-character positions.
func expandTabs(line []byte) string { return strings.ReplaceAll(string(line), "\t", " ") }

// writeGCC is "file:line:col: level: message [QKnnnn]" with info and style
// shown as note, like ShellCheck and gcc.
func writeGCC(w io.Writer, results []*shellcheck.Result, opts Options) error {
	bw := bufio.NewWriter(w)
	for _, r := range results {
		li := newLineIndex(r.Src)
		for _, d := range r.Diagnostics {
			p := li.pos(d.Start)
			level := d.Severity.String()
			if d.Severity >= analysis.Info {
				level = "note"
			}
			fmt.Fprintf(bw, "%s:%d:%d: %s: %s [%s]\n", displayName(r), p.Line, p.Col, level, message(d), codeName(d, opts))
		}
	}
	return bw.Flush()
}

// writeCheckstyle follows ShellCheck's output: every character outside
// [A-Za-z0-9 ./] is written as a numeric entity, style maps to info, and a
// clean file still gets an empty <file> element.
func writeCheckstyle(w io.Writer, results []*shellcheck.Result, opts Options) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "<?xml version='1.0' encoding='UTF-8'?>\n<checkstyle version='4.3'>\n")
	for _, r := range results {
		li := newLineIndex(r.Src)
		fmt.Fprintf(bw, "<file name='%s' >\n", xmlAttr(displayName(r)))
		for _, d := range r.Diagnostics {
			p := li.pos(d.Start)
			sev := d.Severity.String()
			if d.Severity == analysis.Style {
				sev = "info"
			}
			source := "quirk." + d.Code()
			if code := codeName(d, opts); strings.HasPrefix(code, "SC") {
				source = "ShellCheck." + code // as ShellCheck names its own
			}
			fmt.Fprintf(bw, "<error line='%d' column='%d' severity='%s' message='%s' source='%s' />\n",
				p.Line, p.Col, sev, xmlAttr(message(d)), source)
		}
		fmt.Fprintf(bw, "</file>\n")
	}
	fmt.Fprintf(bw, "</checkstyle>\n")
	return bw.Flush()
}

func xmlAttr(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == ' ', r == '.', r == '/':
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "&#%d;", r)
		}
	}
	return b.String()
}

// codeName is how gcc and checkstyle name d's check: QK5001, or SC5001 when
// quirk answers ShellCheck's command line (tools that parse those formats,
// such as the common GitHub Action's problem matcher, take SC codes only;
// "# shellcheck disable=SC5001" means QK5001). Real ShellCheck's findings
// keep their own SC codes.
func codeName(d analysis.Diagnostic, opts Options) string {
	code := d.Code()
	if opts.ShellCheckCodes && strings.HasPrefix(code, "QK") {
		return "SC" + strings.TrimPrefix(code, "QK")
	}
	return code
}
