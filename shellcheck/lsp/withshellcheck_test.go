package lsp

import (
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/expand/testenv"
)

// TestWithShellcheck merges real ShellCheck into the session: its findings
// come with source "shellcheck", their SC code and wiki link; one that
// repeats a quirk finding is folded into it; its "disable" action writes
// ShellCheck's own directive, which silences it.
func TestWithShellcheck(t *testing.T) {
	testenv.NeedTool(t, "shellcheck")
	c := startServer(t, Options{})
	c.initialize(utf16Caps(), map[string]any{"withShellcheck": true})
	src := "#!/bin/bash\nset -u\nx=$@\necho \"é😀\" $1\n"
	c.open(uri, src, 1)
	p := c.diagnostics(uri, 1)
	sc := find(t, p.Diagnostics, "SC2086")
	if sc.Source != "shellcheck" || sc.CodeDescription.Href != "https://www.shellcheck.net/wiki/SC2086" {
		t.Errorf("SC2086 as published: %+v", sc)
	}
	// "echo "é😀" " is 11 UTF-16 units (the emoji is two).
	if sc.Range.Start != (Position{Line: 3, Character: 11}) {
		t.Errorf("SC2086 at %+v, want line 3 character 11", sc.Range.Start)
	}
	if q := find(t, p.Diagnostics, "QK5008"); !strings.Contains(q.Message, "SC2124") || count0(p.Diagnostics, "SC2124") != 0 {
		t.Errorf("QK5008 %q should name SC2124, which should not appear on its own: %v", q.Message, codes(p.Diagnostics))
	}
	var actions []CodeAction
	c.result("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": uri}, "range": sc.Range,
		"context": map[string]any{"diagnostics": []any{sc}},
	}, &actions)
	var disable *CodeAction
	var quick bool
	for i, a := range actions {
		if a.Title == "Disable ShellCheck SC2086 on this line" {
			disable = &actions[i]
		}
		quick = quick || strings.HasPrefix(a.Title, "Fix SC2086")
	}
	if disable == nil || !quick {
		t.Fatalf("actions %q: want ShellCheck's fix and its disable action", titles(actions))
	}
	after := applyEdits(t, src, disable.Edit.Changes[uri], UTF16)
	if !strings.Contains(after, "\n# shellcheck disable=SC2086\necho") {
		t.Errorf("after the action:\n%s", after)
	}
	c.change(uri, after, 2)
	p = c.diagnostics(uri, 2)
	if count0(p.Diagnostics, "SC2086") != 0 || count0(p.Diagnostics, "QK5008") != 1 {
		t.Errorf("after the directive: %v", codes(p.Diagnostics))
	}
	c.shutdown()
}
