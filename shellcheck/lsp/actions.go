package lsp

import (
	"fmt"
	"slices"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"github.com/sourcegraph/jsonrpc2"
	"mvdan.cc/sh/v3/syntax"
)

// reasonPlaceholder is what the disable actions write after " -- ": quirk
// wants a reason on every directive, and the user is expected to replace it.
const reasonPlaceholder = "reason"

func (s *Server) codeAction(req *jsonrpc2.Request) (any, error) {
	var p CodeActionParams
	if err := decode(req, &p); err != nil {
		return nil, err
	}
	cr, err := s.current(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	actions := []CodeAction{}
	if cr.result == nil {
		return actions, nil
	}
	wantQuick, wantFixAll := kindWanted(p.Context.Only, KindQuickFix), kindWanted(p.Context.Only, KindFixAll)
	from, to := cr.lines.offset(p.Range.Start, cr.enc), cr.lines.offset(p.Range.End, cr.enc)
	uri := p.TextDocument.URI
	var file *syntax.File // parsed on demand for directive placement
	skip := cr.configDiagnostics()
	for i, d := range cr.result.Diagnostics {
		if !wantQuick || d.End < from || d.Start > to {
			continue
		}
		ld := cr.diags[skip+i]
		for j, fix := range d.Fixes {
			title := "Fix " + d.Code() + ": " + fix.Message
			if fix.Unsafe {
				title = "Fix " + d.Code() + " (unsafe: may change behaviour, review it): " + fix.Message
			}
			actions = append(actions, CodeAction{
				Title: title, Kind: KindQuickFix, Diagnostics: []Diagnostic{ld},
				IsPreferred: !fix.Unsafe && j == 0,
				Edit:        &WorkspaceEdit{Changes: map[string][]TextEdit{uri: cr.edits(fix.Edits)}},
			})
		}
		if a := d.Analyzer; a == nil || a.Builtin {
			continue // directive hygiene findings are fixed, not disabled
		}
		if file == nil {
			file = parse(cr)
		}
		place := placement{line: -1}
		if file != nil {
			place = directivePlacement(file, cr.text, d.Start)
		}
		actions = append(actions, disableActions(cr, uri, d.Code(), place, ld)...)
	}
	if wantFixAll {
		if edits := safeEdits(cr.result.Diagnostics); len(edits) > 0 {
			actions = append(actions, CodeAction{
				Title: "Apply all safe quirk fixes", Kind: KindFixAll,
				Edit: &WorkspaceEdit{Changes: map[string][]TextEdit{uri: cr.edits(edits)}},
			})
		}
	}
	return actions, nil
}

// disableActions are "disable on this line" and "in this file". quirk's
// checks get quirk's directive, with the reason it asks for; real
// ShellCheck's findings (quirk.withShellcheck) get ShellCheck's own, which
// it reads only on a line of its own.
func disableActions(cr *checkResult, uri, code string, place placement, ld Diagnostic) []CodeAction {
	lineDirective := "# quirk disable=" + code + " -- " + reasonPlaceholder
	fileDirective := "# quirk disable-file=" + code + " -- " + reasonPlaceholder
	name := code
	sc := strings.HasPrefix(code, "SC")
	if sc {
		// Before the first command, ShellCheck reads a directive as
		// file-wide; elsewhere it covers the next command.
		lineDirective = "# shellcheck disable=" + code
		fileDirective = lineDirective
		name = "ShellCheck " + code
	}
	var out []CodeAction
	var edit *TextEdit
	switch {
	case place.line < 0:
	case !place.trailing:
		e := cr.insertLine(place.line, indentOf(cr, place.line)+lineDirective)
		edit = &e
	case !sc:
		end := cr.lines.position(cr.lines.lineEnd(place.line), cr.enc)
		edit = &TextEdit{Range: Range{Start: end, End: end}, NewText: "  " + lineDirective}
	}
	if edit != nil {
		out = append(out, CodeAction{
			Title: fmt.Sprintf("Disable %s on this line", name), Kind: KindQuickFix, Diagnostics: []Diagnostic{ld},
			Edit: &WorkspaceEdit{Changes: map[string][]TextEdit{uri: {*edit}}},
		})
	}
	return append(out, CodeAction{
		Title: fmt.Sprintf("Disable %s in this file", name), Kind: KindQuickFix, Diagnostics: []Diagnostic{ld},
		Edit: &WorkspaceEdit{Changes: map[string][]TextEdit{uri: {cr.insertLine(fileDirectiveLine(cr.text), fileDirective)}}},
	})
}

// kindWanted applies the client's "only" filter: a kind matches a
// requested kind that is it or one of its dot-separated prefixes.
func kindWanted(only []string, kind string) bool {
	if len(only) == 0 {
		// Without a filter, clients list quick fixes; source actions are
		// offered too (editors show them in a separate menu).
		return true
	}
	for _, o := range only {
		if o == kind || strings.HasPrefix(kind, o+".") {
			return true
		}
	}
	return false
}

// safeEdits gathers every safe fix, dropping any that overlaps one already
// taken, so the combined edit applies cleanly.
func safeEdits(diags []analysis.Diagnostic) []analysis.TextEdit {
	var taken []analysis.TextEdit
	overlaps := func(e analysis.TextEdit) bool {
		for _, t := range taken {
			if e.Start < t.End && t.Start < e.End || e.Start == t.Start {
				return true
			}
		}
		return false
	}
	for _, d := range diags {
		fix := d.SafeFix()
		if fix == nil || slices.ContainsFunc(fix.Edits, overlaps) {
			continue
		}
		taken = append(taken, fix.Edits...)
	}
	slices.SortFunc(taken, func(a, b analysis.TextEdit) int { return a.Start - b.Start })
	return taken
}

func (cr *checkResult) edits(in []analysis.TextEdit) []TextEdit {
	out := make([]TextEdit, 0, len(in))
	for _, e := range in {
		out = append(out, TextEdit{Range: cr.lines.rangeOf(e.Start, e.End, cr.enc), NewText: e.NewText})
	}
	return out
}

// insertLine inserts text as a new line before 0-based line n.
func (cr *checkResult) insertLine(n int, text string) TextEdit {
	p := Position{Line: n}
	if n >= len(cr.lines.starts) {
		// After the last line: start a new one.
		end := cr.lines.position(len(cr.text), cr.enc)
		return TextEdit{Range: Range{Start: end, End: end}, NewText: "\n" + text}
	}
	return TextEdit{Range: Range{Start: p, End: p}, NewText: text + "\n"}
}

func parse(cr *checkResult) *syntax.File {
	parser := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(cr.result.Dialect.ParserVariant()))
	f, err := parser.Parse(strings.NewReader(cr.text), "")
	if err != nil {
		return nil
	}
	return f
}

// placement is where a line directive goes: on its own line before
// 0-based line (covering the next command, all its lines), or, when
// trailing, at the end of that line (covering the line); line -1: nowhere
// safe.
type placement struct {
	line     int
	trailing bool
}

// directivePlacement finds where a directive silences the finding at off.
// A directive on its own line covers the next command, so it goes above
// the first command on the line of the innermost statement holding the
// finding, when that command holds the finding (a continuation line, a
// body inside an if on one line). After another command on the same line
// ("x=1; echo ..."), the directive would cover only x=1: then it trails
// the statement's last line, unless that line already has a comment,
// starts a here-document or continues with a backslash.
func directivePlacement(f *syntax.File, src string, off int) placement {
	var stmts []*syntax.Stmt
	var comments []syntax.Comment
	var heredocLines []uint
	var inner *syntax.Stmt
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Stmt:
			stmts = append(stmts, n)
			if int(n.Pos().Offset()) <= off && off <= int(n.End().Offset()) {
				inner = n // Walk goes outside in: the last hit is innermost
			}
		case *syntax.Comment:
			comments = append(comments, *n)
		case *syntax.Redirect:
			if n.Op == syntax.Hdoc || n.Op == syntax.DashHdoc {
				heredocLines = append(heredocLines, n.Pos().Line())
			}
		}
		return true
	})
	if inner == nil {
		return placement{line: strings.Count(src[:min(off, len(src))], "\n")}
	}
	line := inner.Pos().Line()
	var first *syntax.Stmt // the command a directive above this line covers
	for _, st := range stmts {
		if st.Pos().Line() != line {
			continue
		}
		if first == nil || st.Pos().Offset() < first.Pos().Offset() ||
			st.Pos().Offset() == first.Pos().Offset() && st.End().Offset() > first.End().Offset() {
			first = st
		}
	}
	if first != nil && int(first.Pos().Offset()) <= off && off <= int(first.End().Offset()) {
		return placement{line: int(line) - 1}
	}
	last := inner.End().Line()
	for _, c := range comments {
		if c.Pos().Line() == last {
			return placement{line: -1}
		}
	}
	if slices.Contains(heredocLines, last) {
		return placement{line: -1}
	}
	lines := strings.Split(src, "\n")
	if int(last) > len(lines) || strings.HasSuffix(strings.TrimRight(lines[last-1], " \t"), "\\") {
		return placement{line: -1}
	}
	return placement{line: int(last) - 1, trailing: true}
}

func indentOf(cr *checkResult, n int) string {
	if n >= len(cr.lines.starts) {
		return ""
	}
	line := cr.text[cr.lines.starts[n]:cr.lines.lineEnd(n)]
	return line[:len(line)-len(strings.TrimLeft(line, " \t"))]
}

// fileDirectiveLine is where a file-wide directive goes: after the shebang.
func fileDirectiveLine(src string) int {
	if strings.HasPrefix(src, "#!") {
		return 1
	}
	return 0
}
