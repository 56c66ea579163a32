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
		line := -1
		if file == nil {
			file = parse(cr)
		}
		if file != nil {
			line = statementLine(file, cr.text, d.Start)
		}
		actions = append(actions, disableActions(cr, uri, d.Code(), line, ld)...)
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

// disableActions are "disable on this line" (a directive above the
// statement at 0-based line; -1 when unknown) and "in this file". quirk's
// checks get quirk's directive, with the reason it asks for; real
// ShellCheck's findings (quirk.withShellcheck) get ShellCheck's own.
func disableActions(cr *checkResult, uri, code string, line int, ld Diagnostic) []CodeAction {
	lineDirective := "# quirk disable=" + code + " -- " + reasonPlaceholder
	fileDirective := "# quirk disable-file=" + code + " -- " + reasonPlaceholder
	name := code
	if strings.HasPrefix(code, "SC") {
		// Before the first command, ShellCheck reads a directive as
		// file-wide; elsewhere it covers the next command.
		lineDirective = "# shellcheck disable=" + code
		fileDirective = lineDirective
		name = "ShellCheck " + code
	}
	var out []CodeAction
	if line >= 0 {
		out = append(out, CodeAction{
			Title: fmt.Sprintf("Disable %s on this line", name), Kind: KindQuickFix, Diagnostics: []Diagnostic{ld},
			Edit: &WorkspaceEdit{Changes: map[string][]TextEdit{uri: {cr.insertLine(line, indentOf(cr, line)+lineDirective)}}},
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

// statementLine is the 0-based line on which to put a directive for a
// finding at off: the first line of the innermost statement holding it.
// A directive on its own line covers the whole next statement, so this is
// right for findings on a continuation line too, and it never lands inside
// a multi-line string.
func statementLine(f *syntax.File, src string, off int) int {
	var best *syntax.Stmt
	syntax.Walk(f, func(n syntax.Node) bool {
		st, ok := n.(*syntax.Stmt)
		if !ok {
			return true
		}
		if int(st.Pos().Offset()) <= off && off <= int(st.End().Offset()) {
			best = st // Walk goes outside in: the last hit is innermost
		}
		return true
	})
	if best == nil {
		return strings.Count(src[:min(off, len(src))], "\n")
	}
	return int(best.Pos().Line()) - 1
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
