package main

import (
	"fmt"
	"io"
)

var checkCommand = &command{
	name:  "check",
	usage: "check ...",
	short: "check (not built yet)",
	run: func(args []string, _ io.Reader, _, stderr io.Writer) int {
		fmt.Fprintln(stderr, "quirk check: not built yet")
		return exitFailure
	},
}
