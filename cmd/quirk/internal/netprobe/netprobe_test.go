package netprobe

import (
	"bytes"
	"context"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"strings"
	"testing"
)

func run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(context.Background(), &base.Invocation{Name: "netprobe", Args: args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, exitBadSyntax, "Usage"},
		{[]string{"frobnicate"}, exitBadSyntax, "unknown subcommand"},
		{[]string{"scan", "--nope"}, exitBadSyntax, "flag provided but not defined"},
		{[]string{"scan", "extra"}, exitBadOptions, "filter: unknown word"},
		{[]string{"scan", "sport", "="}, exitBadOptions, "filter: incomplete"},
		{[]string{"matrix", "extra"}, exitBadSyntax, "unexpected argument"},
		{[]string{"check"}, exitBadSyntax, "want one ADDR:PORT"},
		{[]string{"check", "example.com:80"}, exitBadOptions, "numeric address"},
		{[]string{"check", "localhost:0"}, exitBadOptions, "port 0"},
		{[]string{"check", "127.0.0.1:0"}, exitBadOptions, "port 0"},
	} {
		code, _, stderr := run(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, stderr, tc.code, tc.msg)
		}
	}
	if code, out, _ := run("--help"); code != exitOK || !strings.Contains(out, "netprobe scan") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
}
