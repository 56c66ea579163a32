// Command quirk finds and proves Unix behaviours that surprise careful people.
//
// It is one binary with a flat set of subcommands, each a package under
// internal/ sharing package base; see Main.
package main

import (
	"context"
	"os"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
)

func main() {
	os.Exit(run())
}

// run is main without os.Exit: the subcommand runs under the root context,
// which SIGINT and SIGTERM cancel, and finish then passes the signal on.
func run() int {
	ctx, finish := base.SignalContext(context.Background())
	return finish(MainAs(ctx, os.Args[0], os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
