package main

import (
	"fmt"
	"io"
)

var expandCommand = &command{
	name:  "expand",
	usage: "expand ...",
	short: "expand (not built yet)",
	run: func(args []string, _ io.Reader, _, stderr io.Writer) int {
		fmt.Fprintln(stderr, "quirk expand: not built yet")
		return exitFailure
	},
}
