package corehook

import (
	"fmt"
	"io"
)

func runQuery(verb string, args []string, cfg Config, asJSON bool, out string, stdout, stderr io.Writer) int {
	fmt.Fprintf(stderr, "quirk corehook: unknown verb %q\n", verb)
	return exitBadSyntax
}
