package lsp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"github.com/quirkcheck/quirk/shellcheck/withshellcheck"
	"github.com/sourcegraph/jsonrpc2"
)

// document is one open text document.
type document struct {
	uri string

	// Guarded by Server.mu.
	version int
	text    string
	gen     uint64       // bumped by every change; a check is stale once it moves
	timer   *time.Timer  // the pending check, if any
	stop    func()       // cancels the running check, if any
	latest  *checkResult // the newest finished check
	closed  bool

	publish sync.Mutex // orders publishing, so an older result never lands after a newer one
}

// checkResult is one check of one document version, kept for code actions
// and hovers on that version.
type checkResult struct {
	gen     uint64
	version int
	text    string
	lines   *lines
	enc     Encoding
	result  *shellcheck.Result // nil when the input could not be checked
	diags   []Diagnostic       // what was published, parallel to result.Diagnostics
	problem *shellcheck.InputError
}

func (s *Server) didOpen(req *jsonrpc2.Request) error {
	var p DidOpenTextDocumentParams
	if err := decode(req, &p); err != nil {
		return err
	}
	s.mu.Lock()
	doc := s.docs[p.TextDocument.URI]
	if doc == nil {
		doc = &document{uri: p.TextDocument.URI}
		s.docs[doc.uri] = doc
	}
	doc.version, doc.text, doc.closed = p.TextDocument.Version, p.TextDocument.Text, false
	doc.gen++
	s.scheduleLocked(doc, 0)
	s.mu.Unlock()
	return nil
}

func (s *Server) didChange(req *jsonrpc2.Request) error {
	var p DidChangeTextDocumentParams
	if err := decode(req, &p); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	doc := s.docs[p.TextDocument.URI]
	if doc == nil {
		return fmt.Errorf("didChange for %s, which is not open", p.TextDocument.URI)
	}
	// Incremental sync: each event replaces a range (in the negotiated
	// encoding) of the text as the previous events left it, or the whole
	// text when it has no range. Typing then sends a few bytes, not the
	// whole script.
	for _, ch := range p.ContentChanges {
		if ch.Range == nil {
			doc.text = ch.Text
			continue
		}
		l := newLines(doc.text)
		start, end := l.offset(ch.Range.Start, s.enc), l.offset(ch.Range.End, s.enc)
		if end < start {
			return fmt.Errorf("didChange for %s: range end %+v before its start %+v", p.TextDocument.URI, ch.Range.End, ch.Range.Start)
		}
		doc.text = doc.text[:start] + ch.Text + doc.text[end:]
	}
	doc.version = p.TextDocument.Version
	doc.gen++
	s.scheduleLocked(doc, s.wsSettings.over(s.initSettings).debounce())
	return nil
}

func (s *Server) didSave(req *jsonrpc2.Request) error {
	var p DidSaveTextDocumentParams
	if err := decode(req, &p); err != nil {
		return err
	}
	if filepath.Base(filePath(p.TextDocument.URI)) == shellcheck.ConfigName {
		// A .quirkrc edited in the editor itself (no file watcher needed).
		s.recheckAll()
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	doc := s.docs[p.TextDocument.URI]
	if doc == nil {
		return nil
	}
	if p.Text != nil && *p.Text != doc.text {
		doc.text = *p.Text
	}
	// Saving may have changed a .quirkrc-relevant state or simply ends
	// a typing burst: check now, without waiting for the debounce.
	doc.gen++
	s.scheduleLocked(doc, 0)
	return nil
}

func (s *Server) didClose(ctx context.Context, req *jsonrpc2.Request) error {
	var p DidCloseTextDocumentParams
	if err := decode(req, &p); err != nil {
		return err
	}
	s.mu.Lock()
	doc := s.docs[p.TextDocument.URI]
	if doc != nil {
		s.stopLocked(doc)
		doc.closed = true
		doc.gen++
		delete(s.docs, doc.uri)
	}
	s.mu.Unlock()
	if doc == nil {
		return nil
	}
	doc.publish.Lock()
	defer doc.publish.Unlock()
	// Clear the editor's list: the document's findings go with it.
	return s.conn.Notify(ctx, "textDocument/publishDiagnostics", PublishDiagnosticsParams{URI: doc.uri, Diagnostics: []Diagnostic{}})
}

// scheduleLocked replaces any pending or running check of doc by one that
// starts after delay. s.mu is held.
func (s *Server) scheduleLocked(doc *document, delay time.Duration) {
	s.stopLocked(doc)
	gen := doc.gen
	s.bg.Add(1)
	doc.timer = time.AfterFunc(delay, func() {
		defer s.bg.Done()
		s.run(doc, gen)
	})
}

// stopLocked stops doc's pending check and marks its running one stale.
func (s *Server) stopLocked(doc *document) {
	if doc.timer != nil {
		if doc.timer.Stop() {
			s.bg.Done() // the callback will never run
		}
		doc.timer = nil
	}
	if doc.stop != nil {
		doc.stop()
		doc.stop = nil
	}
}

func (s *Server) stopAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, doc := range s.docs {
		s.stopLocked(doc)
	}
}

func (s *Server) recheckAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shuttingDown {
		return
	}
	for _, doc := range s.docs {
		doc.gen++
		s.scheduleLocked(doc, 0)
	}
}

// run checks generation gen of doc and publishes the result unless a newer
// change arrived meanwhile.
func (s *Server) run(doc *document, gen uint64) {
	select {
	case <-s.configReady:
	case <-time.After(2 * time.Second):
		// A client that never answers workspace/configuration still gets
		// diagnostics, with the settings it gave at initialize.
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.mu.Lock()
	if doc.gen != gen || doc.closed || s.shuttingDown {
		s.mu.Unlock()
		return
	}
	doc.stop = cancel
	version, text := doc.version, doc.text
	s.mu.Unlock()

	cr := s.check(doc.uri, gen, version, text)

	doc.publish.Lock()
	defer doc.publish.Unlock()
	s.mu.Lock()
	stale := ctx.Err() != nil || doc.gen != gen || doc.closed
	if !stale {
		doc.latest = cr
		doc.stop = nil
	}
	s.mu.Unlock()
	if stale {
		return
	}
	v := cr.version
	s.conn.Notify(ctx, "textDocument/publishDiagnostics", PublishDiagnosticsParams{URI: doc.uri, Version: &v, Diagnostics: cr.diags})
}

// current returns a check of doc's present text, reusing the last one when
// it is up to date (code actions and hovers arrive between debounced runs).
func (s *Server) current(uri string) (*checkResult, error) {
	s.mu.Lock()
	doc := s.docs[uri]
	if doc == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("%s is not open", uri)
	}
	if cr := doc.latest; cr != nil && cr.gen == doc.gen && cr.enc == s.enc {
		s.mu.Unlock()
		return cr, nil
	}
	gen, version, text := doc.gen, doc.version, doc.text
	s.mu.Unlock()
	return s.check(uri, gen, version, text), nil
}

// check runs the checker on one version. It never fails: input quirk
// cannot check (a parse error, CRLF line ends) becomes one diagnostic.
func (s *Server) check(uri string, gen uint64, version int, text string) *checkResult {
	enc := s.encoding()
	settings := s.settings()
	cr := &checkResult{gen: gen, version: version, text: text, lines: newLines(text), enc: enc, diags: []Diagnostic{}}
	path := filePath(uri)
	opts, problems := settings.options(path, text, &shellcheck.ConfigLoader{})
	for _, p := range problems {
		cr.diags = append(cr.diags, Diagnostic{Range: Range{}, Severity: SeverityWarning, Source: "quirk", Message: "configuration: " + p})
	}
	res, err := shellcheck.Check(displayName(uri), []byte(text), opts)
	if err != nil {
		var ie *shellcheck.InputError
		if !errors.As(err, &ie) {
			ie = &shellcheck.InputError{Msg: err.Error()}
		}
		cr.problem = ie
		cr.diags = append(cr.diags, inputDiagnostic(cr.lines, ie, enc))
		return cr
	}
	if settings.withShellcheck() {
		// ShellCheck runs as a process; the debounce keeps it to one run
		// per pause in typing, and a stuck one cannot hold the session.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := withshellcheck.Runner{}.Merge(ctx, res)
		cancel()
		if err != nil {
			cr.diags = append(cr.diags, Diagnostic{Range: Range{}, Severity: SeverityWarning, Source: "quirk", Message: "quirk.withShellcheck: " + err.Error()})
		}
	}
	cr.result = res
	for _, d := range res.Diagnostics {
		cr.diags = append(cr.diags, toLSP(cr.lines, d, enc))
	}
	return cr
}

// configDiagnostics counts the leading diagnostics about settings, which
// have no finding behind them.
func (cr *checkResult) configDiagnostics() int {
	if cr.result == nil {
		return len(cr.diags) - 1
	}
	return len(cr.diags) - len(cr.result.Diagnostics)
}

func toLSP(l *lines, d analysis.Diagnostic, enc Encoding) Diagnostic {
	start, end := d.Start, d.End
	if end <= start && start < len(l.src) && l.src[start] != '\n' {
		end = start + 1 // an empty range is invisible in most editors
	}
	out := Diagnostic{
		Range:           l.rangeOf(start, end, enc),
		Severity:        severity(d.Severity),
		Code:            d.Code(),
		CodeDescription: &CodeDescription{Href: cmp.Or(d.Analyzer.URL, analysis.DocURL(d.Code()))},
		Source:          source(d),
		Message:         d.Message,
	}
	if d.Code() == shellcheck.UnusedDirective.ID {
		out.Tags = []int{DiagnosticTagUnnecessary}
	}
	return out
}

// source is "quirk", or "shellcheck" for real ShellCheck's findings
// (quirk.withShellcheck), so editors can tell the two apart.
func source(d analysis.Diagnostic) string {
	if strings.HasPrefix(d.Code(), "SC") {
		return "shellcheck"
	}
	return "quirk"
}

func severity(s analysis.Severity) DiagnosticSeverity {
	switch s {
	case analysis.Error:
		return SeverityError
	case analysis.Warning:
		return SeverityWarning
	case analysis.Info:
		return SeverityInformation
	}
	return SeverityHint
}

// inputDiagnostic is the one diagnostic for a script quirk could not check.
// Its line and column are 1-based, the column counted in bytes (mvdan's
// parse errors) or characters; either way it is mapped onto the line.
func inputDiagnostic(l *lines, ie *shellcheck.InputError, enc Encoding) Diagnostic {
	r := Range{}
	if ie.Line > 0 && ie.Line <= len(l.starts) {
		line := ie.Line - 1
		start, end := l.starts[line], l.lineEnd(line)
		off := min(start+max(ie.Col-1, 0), end)
		r = l.rangeOf(off, min(off+1, end), enc)
		if r.Start == r.End {
			r = l.rangeOf(start, end, enc)
		}
	}
	return Diagnostic{Range: r, Severity: SeverityError, Source: "quirk", Message: ie.Msg}
}
