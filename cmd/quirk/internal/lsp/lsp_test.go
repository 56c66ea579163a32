package lsp_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/lsp"
)

func frame(msgs ...string) string {
	var b strings.Builder
	for _, m := range msgs {
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(m), m)
	}
	return b.String()
}

func runLSP(args []string, stdin string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	inv := &base.Invocation{Name: "lsp", Args: args, Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr}
	return lsp.Main(context.Background(), inv), stdout.String(), stderr.String()
}

// TestStdioSession: a session on standard input and output; shutdown then
// exit is exit status 0, end of input without them is a failure.
func TestStdioSession(t *testing.T) {
	in := frame(
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,"rootUri":null,"capabilities":{}}}`,
		`{"jsonrpc":"2.0","method":"initialized","params":{}}`,
		`{"jsonrpc":"2.0","id":2,"method":"shutdown"}`,
		`{"jsonrpc":"2.0","method":"exit"}`,
	)
	code, out, errOut := runLSP(nil, in)
	if code != base.ExitOK || !strings.Contains(out, `"serverInfo":{"name":"quirk"`) || !strings.Contains(out, `"id":2,"result":null`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, _, errOut = runLSP(nil, frame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`))
	if code != base.ExitFailure || !strings.Contains(errOut, "without shutdown") {
		t.Errorf("EOF without shutdown: exit %d, stderr %q", code, errOut)
	}
}

// TestListenLoopbackOnly: the server reads files that clients name, so
// --listen takes loopback addresses only.
func TestListenLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:7777"} {
		if code, _, errOut := runLSP([]string{"--listen", addr}, ""); code != base.ExitBadOptions || !strings.Contains(errOut, "loopback") {
			t.Errorf("--listen %s: exit %d, stderr %q", addr, code, errOut)
		}
	}
	if code, _, _ := runLSP([]string{"extra"}, ""); code != base.ExitBadSyntax {
		t.Errorf("an operand: exit %d, want %d", code, base.ExitBadSyntax)
	}
}
