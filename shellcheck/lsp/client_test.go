package lsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden session transcripts")

// client is a scripted LSP client over a real pipe. It frames messages by
// hand (not with the server's library), so the tests also pin the wire
// format: Content-Length headers, "jsonrpc":"2.0", ids.
type client struct {
	t      testing.TB
	conn   net.Conn
	in     chan map[string]any
	nextID int
	// config answers workspace/configuration; nil answers [null].
	config func() any
	// serverRequests are the requests the server sent, answered with null.
	serverRequests []map[string]any
	// pending holds notifications read while waiting for something else.
	pending []map[string]any
	// transcript is what the test chose to record, for the golden file.
	transcript []any
	// raw is the last result or publication as it came off the wire
	// (before decoding into our own types), which is what the golden
	// files record.
	raw  any
	done chan error
}

func startServer(t testing.TB, opts Options) *client {
	t.Helper()
	srv, cli := net.Pipe()
	c := &client{t: t, conn: cli, in: make(chan map[string]any, 1024), done: make(chan error, 1)}
	go func() { c.done <- Serve(context.Background(), srv, opts) }()
	go c.readLoop()
	t.Cleanup(func() {
		cli.Close()
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			t.Errorf("server did not stop after the connection closed")
		}
	})
	return c
}

func (c *client) readLoop() {
	r := bufio.NewReader(c.conn)
	defer close(c.in)
	for {
		length := -1
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(v)
			}
		}
		if length < 0 {
			c.t.Errorf("message without Content-Length")
			return
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			c.t.Errorf("server sent bad JSON %q: %v", body, err)
			return
		}
		if m["jsonrpc"] != "2.0" {
			c.t.Errorf("message without jsonrpc 2.0: %s", body)
		}
		c.in <- m
	}
}

func (c *client) write(m map[string]any) {
	c.t.Helper()
	m["jsonrpc"] = "2.0"
	body, err := json.Marshal(m)
	if err != nil {
		c.t.Fatal(err)
	}
	fmt.Fprintf(c.conn, "Content-Length: %d\r\n\r\n%s", len(body), body)
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	c.write(map[string]any{"method": method, "params": params})
}

// next returns the next message, answering server requests on the way.
func (c *client) next() map[string]any {
	c.t.Helper()
	for {
		select {
		case m, ok := <-c.in:
			if !ok {
				c.t.Fatalf("server closed the connection")
			}
			if m["method"] == "workspace/configuration" && m["id"] != nil {
				var answer any = []any{nil}
				if c.config != nil {
					answer = []any{c.config()}
				}
				c.write(map[string]any{"id": m["id"], "result": answer})
				continue
			}
			if m["method"] != nil && m["id"] != nil {
				// Any other request from the server (client/registerCapability):
				// accept it, and keep it for tests that look.
				c.write(map[string]any{"id": m["id"], "result": nil})
				c.serverRequests = append(c.serverRequests, m)
				continue
			}
			return m
		case <-time.After(20 * time.Second):
			c.t.Fatalf("no message from the server in 20s")
		}
	}
}

// call sends a request and returns its response message.
func (c *client) call(method string, params any) map[string]any {
	c.t.Helper()
	c.nextID++
	id := c.nextID
	c.write(map[string]any{"id": id, "method": method, "params": params})
	for {
		m := c.next()
		if m["method"] == nil && m["id"] == float64(id) {
			return m
		}
		c.pending = append(c.pending, m)
	}
}

// result calls and decodes the result, failing on an error response.
func (c *client) result(method string, params, into any) {
	c.t.Helper()
	m := c.call(method, params)
	if m["error"] != nil {
		c.t.Fatalf("%s: error %v", method, m["error"])
	}
	c.raw = m["result"]
	remarshal(c.t, m["result"], into)
}

// diagnostics waits for the publication for uri at version.
func (c *client) diagnostics(uri string, version int) PublishDiagnosticsParams {
	c.t.Helper()
	match := func(m map[string]any) (PublishDiagnosticsParams, bool) {
		var p PublishDiagnosticsParams
		if m["method"] != "textDocument/publishDiagnostics" {
			return p, false
		}
		remarshal(c.t, m["params"], &p)
		c.raw = m["params"]
		return p, p.URI == uri && p.Version != nil && *p.Version == version
	}
	for i, m := range c.pending {
		if p, ok := match(m); ok {
			c.pending = append(c.pending[:i:i], c.pending[i+1:]...)
			return p
		}
	}
	for {
		m := c.next()
		if p, ok := match(m); ok {
			return p
		}
		c.pending = append(c.pending, m)
	}
}

// record adds the last raw message to the transcript.
func (c *client) record(label string) {
	c.transcript = append(c.transcript, map[string]any{label: c.raw})
}

// checkGolden compares the transcript with testdata/NAME.json.
func (c *client) checkGolden(name string) {
	c.t.Helper()
	got, err := json.MarshalIndent(c.transcript, "", "  ")
	if err != nil {
		c.t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			c.t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		c.t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		c.t.Errorf("session %s differs from %s (-want +got):\n%s", name, path, diff)
	}
}

func remarshal(t testing.TB, from, into any) {
	t.Helper()
	b, err := json.Marshal(from)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(into); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
}

// initialize runs the handshake with the given client capabilities.
func (c *client) initialize(caps map[string]any, initOptions any) InitializeResult {
	c.t.Helper()
	var res InitializeResult
	params := map[string]any{"processId": nil, "rootUri": nil, "capabilities": caps}
	if initOptions != nil {
		params["initializationOptions"] = initOptions
	}
	c.result("initialize", params, &res)
	c.notify("initialized", map[string]any{})
	return res
}

func (c *client) open(uri, text string, version int) {
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "sh", "version": version, "text": text}})
}

func (c *client) change(uri, text string, version int) {
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": version},
		"contentChanges": []any{map[string]any{"text": text}},
	})
}

func (c *client) shutdown() error {
	c.t.Helper()
	m := c.call("shutdown", nil)
	if m["error"] != nil {
		c.t.Fatalf("shutdown: %v", m["error"])
	}
	c.notify("exit", nil)
	select {
	case err := <-c.done:
		c.done <- err // for Cleanup
		return err
	case <-time.After(10 * time.Second):
		c.t.Fatal("server did not exit")
	}
	return nil
}

// applyEdits applies LSP text edits to text, in the given encoding.
func applyEdits(t testing.TB, text string, edits []TextEdit, enc Encoding) string {
	t.Helper()
	l := newLines(text)
	type span struct {
		start, end int
		text       string
	}
	var spans []span
	for _, e := range edits {
		spans = append(spans, span{l.offset(e.Range.Start, enc), l.offset(e.Range.End, enc), e.NewText})
	}
	// Apply back to front so earlier offsets stay valid.
	slices.SortStableFunc(spans, func(a, b span) int { return a.start - b.start })
	for i := len(spans) - 1; i >= 0; i-- {
		s := spans[i]
		if i+1 < len(spans) && s.end > spans[i+1].start {
			t.Fatalf("overlapping edits %v", edits)
		}
		text = text[:s.start] + s.text + text[s.end:]
	}
	return text
}
