package lsp

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"github.com/sourcegraph/jsonrpc2"
)

// hover shows, for each finding under the cursor, the check's
// documentation and, with quirk.realShells on, what real shells make of
// the finding's expression. Shells run here and only here: a hover is a
// deliberate act, a keystroke is not.
func (s *Server) hover(ctx context.Context, req *jsonrpc2.Request) (any, error) {
	var p HoverParams
	if err := decode(req, &p); err != nil {
		return nil, err
	}
	cr, err := s.current(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	if cr.result == nil {
		return nil, nil
	}
	off := cr.lines.offset(p.Position, cr.enc)
	var parts []string
	var hit *Range
	for _, d := range cr.result.Diagnostics {
		if off < d.Start || off > d.End {
			continue
		}
		if hit == nil {
			r := cr.lines.rangeOf(d.Start, d.End, cr.enc)
			hit = &r
		}
		parts = append(parts, s.describe(ctx, cr.result, d))
	}
	if len(parts) == 0 {
		return nil, nil
	}
	return Hover{Contents: MarkupContent{Kind: "markdown", Value: strings.Join(parts, "\n\n---\n\n")}, Range: hit}, nil
}

func (s *Server) describe(ctx context.Context, res *shellcheck.Result, d analysis.Diagnostic) string {
	var b strings.Builder
	a := d.Analyzer
	if a == nil {
		fmt.Fprintf(&b, "**%s** %s", d.Code(), d.Message)
		return b.String()
	}
	title, body, _ := strings.Cut(a.Doc, "\n\n")
	fmt.Fprintf(&b, "**%s** %s (%s)\n\n%s\n\n", a.ID, title, a.Severity, d.Message)
	fmt.Fprintf(&b, "```\n%s\n```\n\n", strings.TrimSpace(body))
	if a.Hint != "" {
		fmt.Fprintf(&b, "Instead: %s\n\n", a.Hint)
	}
	if ev := s.evidence(ctx, res, d); ev != "" {
		b.WriteString(ev + "\n\n")
	}
	fmt.Fprintf(&b, "[%s documentation](%s)", a.ID, analysis.DocURL(a.ID))
	return b.String()
}

// evidence returns the real-shell evidence for d as markdown, or "" when
// the setting is off or the finding has nothing to run.
func (s *Server) evidence(ctx context.Context, res *shellcheck.Result, d analysis.Diagnostic) string {
	if d.Expr == "" || !s.settings().realShells() {
		return ""
	}
	ev := s.opts.Evidence
	if ev == nil {
		return "_Real-shell evidence is not available in this build._"
	}
	if ok, reason := s.hovers.ready(ctx, ev); !ok {
		return "_Real-shell evidence is off: the sandbox is not complete on this machine (" + reason + ")._"
	}
	key := evidenceKey{dialect: res.Dialect, code: d.Code(), expr: d.Expr, setup: d.Setup, contrast: d.Contrast, arg0: res.Filename}
	lines, ok := s.hovers.get(key)
	if !ok {
		budget := s.opts.EvidenceBudget
		if budget == 0 {
			budget = 3 * time.Second
		}
		cctx, cancel := context.WithTimeout(ctx, budget)
		one := &shellcheck.Result{Filename: res.Filename, Src: res.Src, Dialect: res.Dialect, Diagnostics: []analysis.Diagnostic{d}}
		err := ev.Confirm(cctx, one)
		cancel()
		switch {
		case ctx.Err() != nil:
			return "" // the hover was cancelled; nothing to cache
		case err != nil:
			return "_Real shells could not be run: " + err.Error() + "._"
		case len(one.Diagnostics) == 0:
			lines = []string{}
		default:
			lines = one.Diagnostics[0].Evidence
		}
		s.hovers.put(key, lines)
	}
	if len(lines) == 0 {
		return "_Real shells did not show this surprise with quirk's sample arguments._"
	}
	var b strings.Builder
	b.WriteString("**What real shells do** (run in quirk's sandbox):\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "- `%s`\n", strings.ReplaceAll(l, "`", "'"))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// evidenceKey is one snippet as one shell sees it: the evidence depends on
// nothing else, so it is computed once per session.
type evidenceKey struct {
	dialect                           analysis.Dialect
	code, expr, setup, contrast, arg0 string
}

type evidenceCache struct {
	mu         sync.Mutex
	max        int
	entries    map[evidenceKey][]string
	readyDone  bool
	readyOK    bool
	readyWhy   string
	readyCheck sync.Mutex
}

func newEvidenceCache(max int) *evidenceCache {
	return &evidenceCache{max: max, entries: map[evidenceKey][]string{}}
}

func (c *evidenceCache) get(k evidenceKey) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.entries[k]
	return v, ok
}

func (c *evidenceCache) put(k evidenceKey, v []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		// Bounded memory over a long session; evidence is cheap to redo.
		clear(c.entries)
	}
	c.entries[k] = v
}

// ready asks the sandbox once per session whether it is complete.
func (c *evidenceCache) ready(ctx context.Context, ev Evidence) (bool, string) {
	c.readyCheck.Lock()
	defer c.readyCheck.Unlock()
	if !c.readyDone {
		c.readyOK, c.readyWhy = ev.Ready(ctx)
		c.readyDone = ctx.Err() == nil
	}
	return c.readyOK, c.readyWhy
}
