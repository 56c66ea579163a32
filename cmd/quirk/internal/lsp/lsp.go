// Package lsp is "quirk lsp": the language server on standard input and
// output (the library is shellcheck/lsp).
package lsp

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/shellcheck/lsp"
	"github.com/quirkcheck/quirk/shellcheck/lsp/evidence"
)

// Command is "quirk lsp".
var Command = &base.Command{
	Name:      "lsp",
	UsageLine: "lsp [--listen ADDR] [--stdio]",
	Short:     "run the language server for editors (LSP 3.17 on stdin/stdout)",
	Run:       Main,
}

// stdio joins standard input and output into the one stream a server
// reads and writes.
type stdio struct {
	io.Reader
	io.Writer
}

func (stdio) Close() error { return nil }

// Main serves one session on stdin/stdout, or sessions on a loopback
// listener with --listen (for debugging a server by hand).
func Main(ctx context.Context, inv *base.Invocation) int {
	fs := flag.NewFlagSet("lsp", flag.ContinueOnError)
	listen := fs.String("listen", "", "serve on this TCP `address` instead of stdio, one session per connection (loopback only, e.g. 127.0.0.1:7777)")
	fs.Bool("stdio", true, "serve on standard input and output (the default; editors pass it)")
	logFile := fs.String("log", "", "append protocol errors to this `file` (default: standard error)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: quirk lsp [--listen ADDR] [--stdio] [--log FILE]\n\n"+
			"Runs quirk's language server: diagnostics as you type, quick fixes,\n"+
			"disable-on-this-line/in-this-file actions, source.fixAll.quirk and hovers\n"+
			"with each check's documentation. Settings (section \"quirk\" of the editor's\n"+
			"configuration, or initializationOptions): shell, severity, exclude, include,\n"+
			"targetBash, norc, debounceMs, realShells (hovers run the finding in real\n"+
			"shells in quirk's sandbox; off by default). .quirkrc files apply beneath them.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	operands, dashed, code, ok := inv.Parse(fs, inv.Args)
	if !ok {
		return code
	}
	if len(operands)+len(dashed) > 0 {
		return inv.UsageError("unexpected argument %q", strings.Join(append(operands, dashed...), " "))
	}
	logw := inv.Stderr
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return inv.Fail(err)
		}
		defer f.Close()
		logw = f
	}
	opts := lsp.Options{Version: firstLine(base.Version()), Evidence: evidence.Sandbox{}, Log: logw}
	if *listen != "" {
		return serveTCP(ctx, inv, *listen, opts)
	}
	if err := lsp.Serve(ctx, stdio{inv.Stdin, inv.Stdout}, opts); err != nil {
		inv.Errorf("%v", err)
		return base.ExitFailure
	}
	return base.ExitOK
}

func serveTCP(ctx context.Context, inv *base.Invocation, addr string, opts lsp.Options) int {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return inv.UsageError("--listen %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		// The server reads files named by clients' URIs: never expose it.
		inv.Errorf("--listen %q: only loopback addresses are allowed", addr)
		return base.ExitBadOptions
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return inv.Fail(err)
	}
	context.AfterFunc(ctx, func() { ln.Close() })
	fmt.Fprintf(inv.Stderr, "quirk lsp: listening on %s\n", ln.Addr())
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return base.ExitOK
			}
			return inv.Fail(err)
		}
		go func() {
			if err := lsp.Serve(ctx, conn, opts); err != nil {
				fmt.Fprintf(inv.Stderr, "quirk lsp: %s: %v\n", conn.RemoteAddr(), err)
			}
		}()
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimPrefix(line, "quirk ")
}
