// Package version is "quirk version".
package version

import (
	"context"
	"flag"
	"fmt"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
)

// Command is "quirk version".
var Command = &base.Command{
	Name:      "version",
	UsageLine: "version",
	Short:     "print quirk's version and the versions of its key dependencies",
	Run:       Main,
}

// Main runs "quirk version".
func Main(_ context.Context, inv *base.Invocation) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: quirk version\n\nPrints quirk's version and the mvdan.cc/sh version it parses with.\n")
	}
	asJSON := fs.Bool("json", false, `print {"quirk": VERSION, "mvdan.cc/sh/v3": VERSION}`)
	operands, _, code, ok := inv.Parse(fs, inv.Args)
	if !ok {
		return code
	}
	if len(operands) > 0 {
		return inv.UsageError("unexpected argument %q", operands[0])
	}
	if *asJSON {
		quirk, sh := base.Versions()
		return inv.JSON(map[string]string{"quirk": quirk, "mvdan.cc/sh/v3": sh}, base.ExitOK)
	}
	fmt.Fprintln(inv.Stdout, base.Version())
	return base.ExitOK
}
