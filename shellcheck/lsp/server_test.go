package lsp

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/quirkcheck/quirk/shellcheck"
)

// script has a finding after non-ASCII text (an emoji is two UTF-16 units
// and four bytes), a safe fix (QK5008) and an error with a safe fix (QK5003).
const script = "#!/bin/bash\n# héllo — 😀\necho \"😀 ${@:0}\"\nx=$@\nexec \"${@:1:-1}\"\n"

const uri = "file:///nonexistent/quirk-lsp-test/t.sh"

func utf16Caps() map[string]any { return map[string]any{} }

func utf8Caps() map[string]any {
	return map[string]any{"general": map[string]any{"positionEncodings": []string{"utf-16", "utf-8"}}}
}

// TestSessionGolden is a whole session over a pipe, pinned as JSON: the
// handshake, diagnostics with versions, code actions, hover and change.
func TestSessionGolden(t *testing.T) {
	c := startServer(t, Options{Version: "test"})
	c.initialize(utf16Caps(), nil)
	c.record("initialize")
	c.open(uri, script, 1)
	c.diagnostics(uri, 1)
	c.record("publishDiagnostics")

	var actions []CodeAction
	c.result("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": uri},
		"range":        Range{Start: Position{Line: 3, Character: 0}, End: Position{Line: 3, Character: 4}},
		"context":      map[string]any{"diagnostics": []any{}},
	}, &actions)
	c.record("codeAction line 4")

	var hover *Hover
	c.result("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": Position{Line: 2, Character: 10}}, &hover)
	c.record("hover")

	c.change(uri, "#!/bin/bash\necho \"${@:0}\"\n", 2)
	c.diagnostics(uri, 2)
	c.record("publishDiagnostics v2")
	c.change(uri, "#!/bin/bash\necho \"${@:0\n", 3)
	c.diagnostics(uri, 3)
	c.record("publishDiagnostics v3 (parse error)")
	if err := c.shutdown(); err != nil {
		t.Errorf("Serve after shutdown+exit: %v", err)
	}
	c.checkGolden("session")
}

// TestPositionEncoding checks both encodings against an independent count
// of the characters before "${@:0}" on the emoji line.
func TestPositionEncoding(t *testing.T) {
	prefix := `echo "😀 `
	wantUnits := map[Encoding]int{
		UTF8:  len(prefix),
		UTF16: len(utf16.Encode([]rune(prefix))),
	}
	for _, tc := range []struct {
		caps map[string]any
		enc  Encoding
	}{{utf16Caps(), UTF16}, {utf8Caps(), UTF8}} {
		t.Run(string(tc.enc), func(t *testing.T) {
			c := startServer(t, Options{})
			init := c.initialize(tc.caps, nil)
			if init.Capabilities.PositionEncoding != string(tc.enc) {
				t.Fatalf("negotiated %q, want %q", init.Capabilities.PositionEncoding, tc.enc)
			}
			c.open(uri, script, 1)
			p := c.diagnostics(uri, 1)
			d := find(t, p.Diagnostics, "QK5001")
			want := Range{Start: Position{Line: 2, Character: wantUnits[tc.enc]}, End: Position{Line: 2, Character: wantUnits[tc.enc] + len(`${@:0}`)}}
			if d.Range != want {
				t.Errorf("QK5001 range %+v, want %+v", d.Range, want)
			}
			// A hover at the start of the finding, in the same units,
			// must find it: positions are read back the same way.
			var hover *Hover
			c.result("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": want.Start}, &hover)
			if hover == nil || !strings.Contains(hover.Contents.Value, "QK5001") {
				t.Errorf("hover at %+v: %+v, want QK5001's docs", want.Start, hover)
			}
		})
	}
}

func TestLinesRoundTrip(t *testing.T) {
	text := "a😀b\né\n\nxyz"
	l := newLines(text)
	for _, enc := range []Encoding{UTF8, UTF16, UTF32} {
		for off := 0; off <= len(text); off++ {
			if off < len(text) && !isRuneStart(text[off]) {
				continue
			}
			p := l.position(off, enc)
			if back := l.offset(p, enc); back != off {
				t.Errorf("%s: offset %d → %+v → %d", enc, off, p, back)
			}
		}
	}
	// Inside the emoji's surrogate pair, or past a line's end: clamped.
	if got := l.offset(Position{Line: 0, Character: 2}, UTF16); got != 1 {
		t.Errorf("middle of surrogate pair → %d, want 1 (start of the emoji)", got)
	}
	if got := l.offset(Position{Line: 1, Character: 99}, UTF16); got != strings.Index(text, "\n\n") {
		t.Errorf("past end of line → %d", got)
	}
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func find(t testing.TB, diags []Diagnostic, code string) Diagnostic {
	t.Helper()
	for _, d := range diags {
		if d.Code == code {
			return d
		}
	}
	t.Fatalf("no %s in %+v", code, diags)
	return Diagnostic{}
}

func codes(diags []Diagnostic) []string {
	var out []string
	for _, d := range diags {
		out = append(out, d.Code)
	}
	return out
}

// TestActionsApplied applies each action as an editor would and checks the
// result with the checker: a disable directive silences exactly its
// finding, with no complaint about the directive; fixes remove theirs.
func TestActionsApplied(t *testing.T) {
	// Findings on a continuation line, after another command on the same
	// line (a directive above would cover only that one), inside a
	// one-line if, and in a here-document.
	src := "#!/bin/bash\nf() {\n\tprintf '%s\\n' \\\n\t\t\"${@:0}\"\n}\nx=$@\nexec \"${@:1:-1}\"\ny=1; echo \"${@:0}\"\nif true; then echo \"${@:0}\"; fi\ncat <<EOF\n${@:0}\nEOF\n"
	for _, enc := range []struct {
		caps map[string]any
		enc  Encoding
	}{{utf16Caps(), UTF16}, {utf8Caps(), UTF8}} {
		c := startServer(t, Options{})
		c.initialize(enc.caps, nil)
		c.open(uri, src, 1)
		before := c.diagnostics(uri, 1).Diagnostics
		for _, d := range before {
			var actions []CodeAction
			c.result("textDocument/codeAction", map[string]any{
				"textDocument": map[string]any{"uri": uri}, "range": d.Range,
				"context": map[string]any{"diagnostics": []any{d}},
			}, &actions)
			if !slices.ContainsFunc(actions, func(a CodeAction) bool { return strings.HasPrefix(a.Title, "Disable "+d.Code+" on this line") }) {
				t.Errorf("%s at %+v: no line-disable action in %v", d.Code, d.Range, titles(actions))
			}
			for _, a := range actions {
				if a.Kind == KindFixAll {
					continue
				}
				after := applyEdits(t, src, a.Edit.Changes[uri], enc.enc)
				res, err := shellcheck.Check("t.sh", []byte(after), shellcheck.Options{})
				if err != nil {
					t.Errorf("%q: result does not parse: %v\n%s", a.Title, err, after)
					continue
				}
				n := count(res, d.Code)
				if n != count0(before, d.Code)-1 && strings.HasPrefix(a.Title, "Disable") && strings.HasSuffix(a.Title, "line") {
					t.Errorf("%q: %d %s findings left, want one fewer than %d\n%s", a.Title, n, d.Code, count0(before, d.Code), after)
				}
				if strings.HasSuffix(a.Title, "in this file") && n != 0 {
					t.Errorf("%q: %d %s findings left\n%s", a.Title, n, d.Code, after)
				}
				if count(res, "QK5900") > 0 || count(res, "QK5901") > 0 {
					t.Errorf("%q: the inserted directive is reported: %+v", a.Title, res.Diagnostics)
				}
				if strings.HasPrefix(a.Title, "Fix") && !strings.Contains(a.Title, "unsafe") && n >= count0(before, d.Code) {
					t.Errorf("%q did not remove its finding\n%s", a.Title, after)
				}
			}
		}
		// source.fixAll.quirk: every safe fix at once.
		var actions []CodeAction
		c.result("textDocument/codeAction", map[string]any{
			"textDocument": map[string]any{"uri": uri}, "range": Range{},
			"context": map[string]any{"diagnostics": []any{}, "only": []string{"source.fixAll"}},
		}, &actions)
		if len(actions) != 1 || actions[0].Kind != KindFixAll {
			t.Fatalf("fixAll: got %v", titles(actions))
		}
		after := applyEdits(t, src, actions[0].Edit.Changes[uri], enc.enc)
		res, err := shellcheck.Check("t.sh", []byte(after), shellcheck.Options{})
		if err != nil {
			t.Fatalf("after fixAll: %v\n%s", err, after)
		}
		for _, d := range res.Diagnostics {
			if d.SafeFix() != nil {
				t.Errorf("after fixAll a safe fix is left: %+v\n%s", d, after)
			}
		}
		if count(res, "QK5008")+count(res, "QK5003") != 0 {
			t.Errorf("fixAll left QK5008/QK5003:\n%s", after)
		}
		c.shutdown()
	}
}

func titles(as []CodeAction) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Title)
	}
	return out
}

func count(res *shellcheck.Result, code string) int {
	n := 0
	for _, d := range res.Diagnostics {
		if d.Code() == code {
			n++
		}
	}
	return n
}

func count0(diags []Diagnostic, code string) int {
	n := 0
	for _, d := range diags {
		if d.Code == code {
			n++
		}
	}
	return n
}

// TestConfiguration checks the order workspace/configuration over
// initializationOptions over .quirkrc, and a re-check when it changes.
func TestConfiguration(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".quirkrc"), []byte("exclude = QK5003\nseverity = warning\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fileURI := "file://" + filepath.ToSlash(filepath.Join(dir, "t.sh"))
	src := "#!/bin/bash\necho \"${@:0}\"\nx=$@\nexec \"${@:1:-1}\"\n"

	settings := map[string]any{"exclude": []string{"QK5001"}}
	c := startServer(t, Options{})
	c.config = func() any { return settings }
	caps := map[string]any{"workspace": map[string]any{"configuration": true}}
	// initializationOptions say severity=style; the workspace says
	// nothing about severity; .quirkrc's warning comes last.
	c.initialize(caps, map[string]any{"quirk": map[string]any{"severity": "error", "exclude": []string{"QK5008"}}})
	c.open(fileURI, src, 1)
	got := codes(c.diagnostics(fileURI, 1).Diagnostics)
	// workspace exclude (QK5001) replaces the initializationOptions one
	// (QK5008); .quirkrc adds QK5003; severity error (init) beats
	// .quirkrc's warning: QK5008 is a warning, so nothing is left.
	if len(got) != 0 {
		t.Errorf("diagnostics %v, want none (QK5001, QK5003 excluded; QK5008 below severity error)", got)
	}
	settings = map[string]any{"severity": "style"}
	c.notify("workspace/didChangeConfiguration", map[string]any{"settings": nil})
	got = codes(c.diagnostics(fileURI, 1).Diagnostics)
	// Now exclude comes from initializationOptions (QK5008) plus .quirkrc
	// (QK5003), severity style from the workspace.
	if !slices.Equal(got, []string{"QK5001"}) {
		t.Errorf("after configuration change: %v, want [QK5001]", got)
	}
	c.shutdown()
}

func TestRefusedBeforeInitialize(t *testing.T) {
	c := startServer(t, Options{})
	m := c.call("textDocument/hover", map[string]any{})
	if e, _ := m["error"].(map[string]any); e == nil || e["code"] != float64(codeServerNotInitialized) {
		t.Errorf("hover before initialize: %v, want error %d", m, codeServerNotInitialized)
	}
	c.initialize(utf16Caps(), nil)
	m = c.call("textDocument/definition", map[string]any{})
	if e, _ := m["error"].(map[string]any); e == nil || e["code"] != float64(codeMethodNotFound) {
		t.Errorf("unknown method: %v, want error %d", m, codeMethodNotFound)
	}
	c.shutdown()
}

func TestExitWithoutShutdownIsAnError(t *testing.T) {
	c := startServer(t, Options{})
	c.initialize(utf16Caps(), nil)
	c.notify("exit", nil)
	if err := <-c.done; err == nil {
		t.Errorf("exit without shutdown: Serve returned nil, want an error (exit code 1)")
	}
	c.done <- nil
}

// TestStaleChecksNotPublished types fast: only increasing versions are
// published and the last one always is.
func TestStaleChecksNotPublished(t *testing.T) {
	c := startServer(t, Options{})
	c.initialize(utf16Caps(), map[string]any{"debounceMs": 30})
	c.open(uri, script, 1)
	c.diagnostics(uri, 1)
	const last = 60
	for v := 2; v <= last; v++ {
		c.change(uri, "#!/bin/bash\n"+strings.Repeat("echo \"${@:0}\"\n", v), v)
	}
	p := c.diagnostics(uri, last)
	if n := count0(p.Diagnostics, "QK5001"); n != last {
		t.Errorf("version %d has %d QK5001 findings, want %d", last, n, last)
	}
	prev := 1
	for _, m := range c.pending {
		if m["method"] != "textDocument/publishDiagnostics" {
			continue
		}
		var pp PublishDiagnosticsParams
		remarshal(t, m["params"], &pp)
		if *pp.Version <= prev {
			t.Errorf("version %d published after %d", *pp.Version, prev)
		}
		prev = *pp.Version
	}
	t.Logf("%d of %d intermediate versions were published", len(c.pending), last-2)
	c.shutdown()
}

func TestCloseClearsDiagnostics(t *testing.T) {
	c := startServer(t, Options{})
	c.initialize(utf16Caps(), nil)
	c.open(uri, script, 1)
	c.diagnostics(uri, 1)
	c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
	for {
		m := c.next()
		if m["method"] == "textDocument/publishDiagnostics" {
			var p PublishDiagnosticsParams
			remarshal(t, m["params"], &p)
			if len(p.Diagnostics) != 0 || p.Version != nil {
				t.Errorf("after close: %+v, want an empty list", p)
			}
			break
		}
	}
	c.shutdown()
}

// TestQuirkrcChange: the server asks to watch .quirkrc files, and a change
// reported by the client re-checks open scripts with the new settings.
func TestQuirkrcChange(t *testing.T) {
	dir := t.TempDir()
	rc := filepath.Join(dir, ".quirkrc")
	fileURI := "file://" + filepath.ToSlash(filepath.Join(dir, "t.sh"))
	c := startServer(t, Options{})
	c.initialize(map[string]any{"workspace": map[string]any{"didChangeWatchedFiles": map[string]any{"dynamicRegistration": true}}}, nil)
	c.open(fileURI, "#!/bin/bash\necho \"${@:0}\"\n", 1)
	if got := codes(c.diagnostics(fileURI, 1).Diagnostics); !slices.Equal(got, []string{"QK5001"}) {
		t.Fatalf("before: %v", got)
	}
	if err := os.WriteFile(rc, []byte("exclude = QK5001\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.notify("workspace/didChangeWatchedFiles", map[string]any{"changes": []any{map[string]any{"uri": "file://" + rc, "type": 1}}})
	if got := codes(c.diagnostics(fileURI, 1).Diagnostics); len(got) != 0 {
		t.Errorf("after .quirkrc excluded QK5001: %v", got)
	}
	// Saving a .quirkrc in the editor does the same.
	if err := os.WriteFile(rc, []byte("severity = error\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": "file://" + rc}})
	if got := codes(c.diagnostics(fileURI, 1).Diagnostics); len(got) != 0 {
		t.Errorf("after severity = error: %v (QK5001 is a warning)", got)
	}
	if err := os.WriteFile(rc, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c.notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": "file://" + rc}})
	if got := codes(c.diagnostics(fileURI, 1).Diagnostics); !slices.Equal(got, []string{"QK5001"}) {
		t.Errorf("after emptying .quirkrc: %v", got)
	}
	// Checked last: the registration is sent from its own goroutine.
	var registered bool
	for _, r := range c.serverRequests {
		registered = registered || r["method"] == "client/registerCapability" && strings.Contains(fmt.Sprint(r["params"]), "**/.quirkrc")
	}
	if !registered {
		t.Errorf("no client/registerCapability for **/.quirkrc: %v", c.serverRequests)
	}
	c.shutdown()
}

// TestIncrementalChanges applies range edits, several in one notification,
// each against the text the previous one left, in both encodings; the
// result must check exactly as the same text opened whole.
func TestIncrementalChanges(t *testing.T) {
	initial := "#!/bin/bash\n# 😀 x\necho \"😀\" ok\n"
	final := "#!/bin/bash\nx=$@\n# \necho \"😀\" \"${@:0}\"\n"
	for _, tc := range []struct {
		caps map[string]any
		// the columns of the edits, which differ by encoding: the emoji
		// is two UTF-16 units and four bytes
		okStart, okEnd, cmtEnd int
	}{
		{utf16Caps(), 10, 12, 6},
		{utf8Caps(), 12, 14, 8},
	} {
		c := startServer(t, Options{})
		c.initialize(tc.caps, nil)
		c.open(uri, initial, 1)
		c.diagnostics(uri, 1)
		rng := func(l1, c1, l2, c2 int) Range {
			return Range{Start: Position{Line: l1, Character: c1}, End: Position{Line: l2, Character: c2}}
		}
		c.notify("textDocument/didChange", map[string]any{
			"textDocument": map[string]any{"uri": uri, "version": 2},
			"contentChanges": []any{
				map[string]any{"range": rng(2, tc.okStart, 2, tc.okEnd), "text": `"${@:0}"`},
				map[string]any{"range": rng(1, 0, 1, 0), "text": "x=$@\n"},
				map[string]any{"range": rng(2, 2, 2, tc.cmtEnd), "text": ""},
			},
		})
		got := c.diagnostics(uri, 2).Diagnostics
		const other = "file:///nonexistent/quirk-lsp-test/whole.sh"
		c.open(other, final, 1)
		want := c.diagnostics(other, 1).Diagnostics
		if len(got) != len(want) {
			t.Fatalf("after incremental edits: %v, want %v", codes(got), codes(want))
		}
		for i := range want {
			want[i].CodeDescription, got[i].CodeDescription = nil, nil
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != 2 {
			t.Errorf("after incremental edits:\n got %+v\nwant %+v (the final text opened whole)", got, want)
		}
		c.shutdown()
	}
}
