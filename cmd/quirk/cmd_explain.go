package main

import (
	"fmt"
	"io"
)

var explainCommand = &command{
	name:  "explain",
	usage: "explain ...",
	short: "explain (not built yet)",
	run: func(args []string, _ io.Reader, _, stderr io.Writer) int {
		fmt.Fprintln(stderr, "quirk explain: not built yet")
		return exitFailure
	},
}
