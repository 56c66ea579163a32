// Package lsp is quirk's language server ("quirk lsp"): LSP 3.17 over a
// JSON-RPC 2.0 stream, checking shell scripts in-process as the user types.
//
// The transport is github.com/sourcegraph/jsonrpc2 (Content-Length framing,
// request ids, concurrent writes and server-to-client calls are the parts
// easy to get subtly wrong); the few LSP types quirk needs are in
// protocol.go.
//
// Scheduling: a document is checked at once on open and save, and after a
// pause (the debounce) on change. A change stops the pending check and marks
// a running one stale; a stale result is never published, and results are
// published in version order with the version they were computed for.
package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"sync"
	"time"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/sourcegraph/jsonrpc2"
)

// Evidence runs findings' expressions in real shells, for hovers. It is an
// interface so that this package does not link the shell runners itself;
// "quirk lsp" passes the expand sandbox.
type Evidence interface {
	// Ready reports whether the sandbox is complete on this machine. When
	// it is not, reason says what is missing and no shell is run.
	Ready(ctx context.Context) (ok bool, reason string)
	// Confirm fills in res.Diagnostics[i].Evidence, dropping the findings
	// the shells do not confirm (shellcheck/confirm.Result).
	Confirm(ctx context.Context, res *shellcheck.Result) error
}

// Options configure a server.
type Options struct {
	Version  string    // quirk's version, for serverInfo
	Evidence Evidence  // nil: hovers never run shells
	Log      io.Writer // protocol errors; nil discards them
	// EvidenceBudget bounds one hover's shell runs; zero means 3s.
	EvidenceBudget time.Duration
}

// Server is one LSP session. Create it with Serve.
type Server struct {
	opts    Options
	conn    *jsonrpc2.Conn
	started chan struct{} // closed once conn is set

	mu           sync.Mutex
	initialized  bool
	shuttingDown bool
	exitCode     int
	enc          Encoding
	clientConfig bool // the client answers workspace/configuration
	clientWatch  bool // the client can watch files for us (.quirkrc)
	initSettings Settings
	wsSettings   Settings
	configReady  chan struct{} // closed when the first configuration is in
	readyOnce    sync.Once
	docs         map[string]*document
	inflight     map[jsonrpc2.ID]context.CancelFunc

	hovers *evidenceCache
	bg     sync.WaitGroup // timers and async requests
}

// Serve runs one session over rwc until the client sends exit or the
// stream ends. It returns nil after shutdown followed by exit, and an error
// otherwise (the LSP rule for the server's exit code).
func Serve(ctx context.Context, rwc io.ReadWriteCloser, opts Options) error {
	s := &Server{
		opts:        opts,
		enc:         UTF16,
		docs:        map[string]*document{},
		inflight:    map[jsonrpc2.ID]context.CancelFunc{},
		configReady: make(chan struct{}),
		hovers:      newEvidenceCache(512),
		exitCode:    1,
		started:     make(chan struct{}),
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	stream := jsonrpc2.NewBufferedStream(rwc, jsonrpc2.VSCodeObjectCodec{})
	s.conn = jsonrpc2.NewConn(ctx, stream, s, jsonrpc2.SetLogger(log.New(logw, "quirk lsp: ", 0)))
	close(s.started)
	<-s.conn.DisconnectNotify()
	s.stopAll()
	s.bg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exitCode != 0 {
		return errors.New("connection closed without shutdown and exit")
	}
	return nil
}

// Handle implements jsonrpc2.Handler. It is called from the connection's
// read loop, one message at a time, so document changes apply in order;
// anything that may wait (hover evidence, calls to the client) runs in its
// own goroutine.
func (s *Server) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	<-s.started // the read loop can deliver a message before NewConn returns
	s.mu.Lock()
	initialized, shuttingDown := s.initialized, s.shuttingDown
	s.mu.Unlock()
	switch {
	case req.Method == "exit":
		s.mu.Lock()
		if s.shuttingDown {
			s.exitCode = 0
		}
		s.mu.Unlock()
		conn.Close()
		return
	case !initialized && req.Method != "initialize":
		if !req.Notif {
			s.replyError(ctx, req, codeServerNotInitialized, "initialize first")
		}
		return
	case shuttingDown:
		if !req.Notif {
			s.replyError(ctx, req, codeInvalidRequest, "server is shutting down")
		}
		return
	}
	var result any
	var err error
	switch req.Method {
	case "initialize":
		if initialized {
			s.replyError(ctx, req, codeInvalidRequest, "initialize sent twice")
			return
		}
		result, err = s.initialize(req)
	case "initialized":
		s.fetchConfiguration(ctx)
		s.watchQuirkrc(ctx)
	case "workspace/didChangeWatchedFiles":
		s.recheckAll() // a .quirkrc changed: every open script may be affected
	case "shutdown":
		s.mu.Lock()
		s.shuttingDown = true
		s.mu.Unlock()
		s.stopAll()
	case "textDocument/didOpen":
		err = s.didOpen(req)
	case "textDocument/didChange":
		err = s.didChange(req)
	case "textDocument/didSave":
		err = s.didSave(req)
	case "textDocument/didClose":
		err = s.didClose(ctx, req)
	case "workspace/didChangeConfiguration":
		err = s.didChangeConfiguration(ctx, req)
	case "textDocument/codeAction":
		result, err = s.codeAction(req)
	case "textDocument/hover":
		s.async(ctx, req, s.hover)
		return
	case "$/cancelRequest":
		s.cancel(req)
		return
	default:
		if req.Notif {
			return // $/setTrace, workspace/didChangeWatchedFiles, …: nothing to do
		}
		s.replyError(ctx, req, codeMethodNotFound, "method not supported: "+req.Method)
		return
	}
	if req.Notif {
		if err != nil {
			s.logMessage(ctx, fmt.Sprintf("%s: %v", req.Method, err))
		}
		return
	}
	if err != nil {
		var rpcErr *jsonrpc2.Error
		if !errors.As(err, &rpcErr) {
			rpcErr = &jsonrpc2.Error{Code: codeInvalidParams, Message: err.Error()}
		}
		conn.ReplyWithError(ctx, req.ID, rpcErr)
		return
	}
	conn.Reply(ctx, req.ID, result)
}

func (s *Server) replyError(ctx context.Context, req *jsonrpc2.Request, code int64, msg string) {
	s.conn.ReplyWithError(ctx, req.ID, &jsonrpc2.Error{Code: code, Message: msg})
}

// async answers req from a goroutine that $/cancelRequest can cancel.
func (s *Server) async(ctx context.Context, req *jsonrpc2.Request, fn func(context.Context, *jsonrpc2.Request) (any, error)) {
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.inflight[req.ID] = cancel
	s.mu.Unlock()
	s.bg.Go(func() {
		defer func() {
			s.mu.Lock()
			delete(s.inflight, req.ID)
			s.mu.Unlock()
			cancel()
		}()
		result, err := fn(ctx, req)
		switch {
		case ctx.Err() != nil:
			s.replyError(context.Background(), req, codeRequestCancelled, "request cancelled")
		case err != nil:
			s.replyError(ctx, req, codeInvalidParams, err.Error())
		default:
			s.conn.Reply(ctx, req.ID, result)
		}
	})
}

func (s *Server) cancel(req *jsonrpc2.Request) {
	var p struct {
		ID jsonrpc2.ID `json:"id"`
	}
	if req.Params == nil || json.Unmarshal(*req.Params, &p) != nil {
		return
	}
	s.mu.Lock()
	cancel := s.inflight[p.ID]
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func decode(req *jsonrpc2.Request, v any) error {
	if req.Params == nil {
		return &jsonrpc2.Error{Code: codeInvalidParams, Message: "missing params"}
	}
	if err := json.Unmarshal(*req.Params, v); err != nil {
		return &jsonrpc2.Error{Code: codeInvalidParams, Message: err.Error()}
	}
	return nil
}

func (s *Server) initialize(req *jsonrpc2.Request) (any, error) {
	var p InitializeParams
	if err := decode(req, &p); err != nil {
		return nil, err
	}
	init, err := parseSettings(p.InitializationOptions)
	if err != nil {
		return nil, &jsonrpc2.Error{Code: codeInvalidParams, Message: err.Error()}
	}
	var offered []string
	if p.Capabilities.General != nil {
		offered = p.Capabilities.General.PositionEncodings
	}
	s.mu.Lock()
	s.initialized = true
	s.enc = negotiate(offered)
	s.initSettings = init
	if ws := p.Capabilities.Workspace; ws != nil {
		s.clientConfig = ws.Configuration
		s.clientWatch = ws.DidChangeWatchedFiles != nil && ws.DidChangeWatchedFiles.DynamicRegistration
	}
	enc := s.enc
	s.mu.Unlock()
	return InitializeResult{
		Capabilities: ServerCapabilities{
			PositionEncoding:   string(enc),
			TextDocumentSync:   TextDocumentSync{OpenClose: true, Change: 2, Save: SaveOptions{IncludeText: true}},
			HoverProvider:      true,
			CodeActionProvider: CodeActionOptions{CodeActionKinds: []string{KindQuickFix, KindFixAll}},
		},
		ServerInfo: ServerInfo{Name: "quirk", Version: s.opts.Version},
	}, nil
}

// fetchConfiguration asks the client for section "quirk" and re-checks
// every open document with it. Checks wait (briefly) for the first answer
// so that a document is not shown with the wrong settings first.
func (s *Server) fetchConfiguration(ctx context.Context) {
	s.mu.Lock()
	supported := s.clientConfig
	s.mu.Unlock()
	if !supported {
		s.readyOnce.Do(func() { close(s.configReady) })
		return
	}
	s.bg.Go(func() {
		defer s.readyOnce.Do(func() { close(s.configReady) })
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		var items []json.RawMessage
		err := s.conn.Call(ctx, "workspace/configuration", ConfigurationParams{Items: []ConfigurationItem{{Section: "quirk"}}}, &items)
		if err != nil {
			s.logMessage(ctx, "workspace/configuration: "+err.Error())
			return
		}
		var ws Settings
		if len(items) > 0 {
			if ws, err = parseSettings(items[0]); err != nil {
				s.logMessage(ctx, err.Error())
				return
			}
		}
		s.mu.Lock()
		s.wsSettings = ws
		s.mu.Unlock()
		s.recheckAll()
	})
}

// watchQuirkrc asks the client to report changes of .quirkrc files, so
// that editing one re-checks the open scripts.
func (s *Server) watchQuirkrc(ctx context.Context) {
	s.mu.Lock()
	supported := s.clientWatch
	s.mu.Unlock()
	if !supported {
		return
	}
	s.bg.Go(func() {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		params := RegistrationParams{Registrations: []Registration{{
			ID: "quirkrc", Method: "workspace/didChangeWatchedFiles",
			RegisterOptions: map[string]any{"watchers": []FileSystemWatcher{{GlobPattern: "**/" + shellcheck.ConfigName}}},
		}}}
		if err := s.conn.Call(ctx, "client/registerCapability", params, nil); err != nil {
			s.logMessage(ctx, "watching .quirkrc files: "+err.Error())
		}
	})
}

func (s *Server) didChangeConfiguration(ctx context.Context, req *jsonrpc2.Request) error {
	var p DidChangeConfigurationParams
	if err := decode(req, &p); err != nil {
		return err
	}
	s.mu.Lock()
	pull := s.clientConfig
	s.mu.Unlock()
	if pull {
		// The notification's payload is often empty in pull-model
		// clients (VS Code sends null); ask for the section again.
		s.fetchConfiguration(ctx)
		return nil
	}
	ws, err := parseSettings(p.Settings)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.wsSettings = ws
	s.mu.Unlock()
	s.recheckAll()
	return nil
}

// settings is the effective editor configuration: workspace settings over
// initializationOptions (.quirkrc comes under both, per document).
func (s *Server) settings() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wsSettings.over(s.initSettings)
}

func (s *Server) encoding() Encoding {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enc
}

// logMessage tells the user (window/logMessage, type Warning) about a
// problem that is not an answer to a request, such as a bad setting.
func (s *Server) logMessage(ctx context.Context, msg string) {
	s.conn.Notify(ctx, "window/logMessage", ShowMessageParams{Type: 2, Message: "quirk: " + msg})
}
