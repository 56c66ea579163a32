package lsp

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quirkcheck/quirk/expand/testenv"
	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/lsp/evidence"
)

// countingSandbox is the real sandbox, counting how often shells are run
// and optionally claiming to be incomplete.
type countingSandbox struct {
	evidence.Sandbox
	confirms   atomic.Int32
	incomplete string
}

func (c *countingSandbox) Ready(ctx context.Context) (bool, string) {
	if c.incomplete != "" {
		return false, c.incomplete
	}
	return c.Sandbox.Ready(ctx)
}

func (c *countingSandbox) Confirm(ctx context.Context, res *shellcheck.Result) error {
	c.confirms.Add(1)
	return c.Sandbox.Confirm(ctx, res)
}

func hoverAt(c *client, p Position) string {
	var h *Hover
	c.result("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": p}, &h)
	if h == nil {
		return ""
	}
	return h.Contents.Value
}

// TestHoverEvidence runs the finding's expression in real bash on hover,
// once per snippet, and never while typing.
func TestHoverEvidence(t *testing.T) {
	testenv.NeedTool(t, "bash")
	if ok, why := (evidence.Sandbox{}).Ready(context.Background()); !ok {
		testenv.Unmet(t, testenv.Root, "the sandbox is not complete here: %s", why)
	}
	sb := &countingSandbox{}
	c := startServer(t, Options{Evidence: sb})
	c.initialize(utf8Caps(), map[string]any{"realShells": true, "debounceMs": 0})
	src := "#!/bin/bash\nexec docker compose \"${@:0:1}\"\n"
	c.open(uri, src, 1)
	c.diagnostics(uri, 1)
	for v := 2; v < 6; v++ {
		c.change(uri, src+strings.Repeat("\n", v), v)
		c.diagnostics(uri, v)
	}
	if n := sb.confirms.Load(); n != 0 {
		t.Fatalf("shells ran %d times while typing, want 0", n)
	}
	text := hoverAt(c, Position{Line: 1, Character: 21})
	// bash really prints the script name for "${@:0:1}": t.sh, not the
	// first argument.
	if !strings.Contains(text, "What real shells do") || !strings.Contains(text, "bash") || !strings.Contains(text, "t.sh") {
		t.Errorf("hover has no real-shell evidence:\n%s", text)
	}
	again := hoverAt(c, Position{Line: 1, Character: 22})
	if again != text {
		t.Errorf("second hover differs:\n%s", again)
	}
	if n := sb.confirms.Load(); n != 1 {
		t.Errorf("shells ran %d times for two hovers on one snippet, want 1 (cached)", n)
	}
	c.shutdown()
}

func TestHoverEvidenceOff(t *testing.T) {
	t.Run("setting off", func(t *testing.T) {
		sb := &countingSandbox{}
		c := startServer(t, Options{Evidence: sb})
		c.initialize(utf8Caps(), nil)
		c.open(uri, "#!/bin/bash\necho \"${@:0}\"\n", 1)
		c.diagnostics(uri, 1)
		text := hoverAt(c, Position{Line: 1, Character: 7})
		if !strings.Contains(text, "QK5001") || strings.Contains(text, "real shells") || sb.confirms.Load() != 0 {
			t.Errorf("realShells unset: hover ran shells (%d) or lacks docs:\n%s", sb.confirms.Load(), text)
		}
		c.shutdown()
	})
	t.Run("sandbox incomplete", func(t *testing.T) {
		sb := &countingSandbox{incomplete: "no network namespace"}
		c := startServer(t, Options{Evidence: sb})
		c.initialize(utf8Caps(), map[string]any{"realShells": true})
		c.open(uri, "#!/bin/bash\necho \"${@:0}\"\n", 1)
		c.diagnostics(uri, 1)
		text := hoverAt(c, Position{Line: 1, Character: 7})
		if !strings.Contains(text, "sandbox is not complete") || !strings.Contains(text, "no network namespace") || sb.confirms.Load() != 0 {
			t.Errorf("incomplete sandbox: shells ran %d times; hover:\n%s", sb.confirms.Load(), text)
		}
		c.shutdown()
	})
}

// slowSandbox holds Confirm until its context ends, like a shell run that
// outlasts the user's patience.
type slowSandbox struct{ started chan struct{} }

func (slowSandbox) Ready(context.Context) (bool, string) { return true, "" }
func (s slowSandbox) Confirm(ctx context.Context, _ *shellcheck.Result) error {
	close(s.started)
	<-ctx.Done()
	return ctx.Err()
}

// TestHoverCancel: $/cancelRequest ends a hover that is waiting for shells,
// with the LSP's RequestCancelled error, and nothing is cached for it.
func TestHoverCancel(t *testing.T) {
	sb := slowSandbox{started: make(chan struct{})}
	c := startServer(t, Options{Evidence: sb, EvidenceBudget: time.Minute})
	c.initialize(utf8Caps(), map[string]any{"realShells": true})
	c.open(uri, "#!/bin/bash\necho \"${@:0}\"\n", 1)
	c.diagnostics(uri, 1)
	c.nextID++
	id := c.nextID
	c.write(map[string]any{"id": id, "method": "textDocument/hover", "params": map[string]any{
		"textDocument": map[string]any{"uri": uri}, "position": Position{Line: 1, Character: 7}}})
	select {
	case <-sb.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the hover never asked for evidence")
	}
	c.notify("$/cancelRequest", map[string]any{"id": id})
	for {
		m := c.next()
		if m["id"] != float64(id) {
			continue
		}
		if e, _ := m["error"].(map[string]any); e == nil || e["code"] != float64(codeRequestCancelled) {
			t.Errorf("cancelled hover answered %v, want error %d", m, codeRequestCancelled)
		}
		break
	}
	c.shutdown()
}
