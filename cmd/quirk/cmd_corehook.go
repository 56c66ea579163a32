package main

import (
	"fmt"
	"io"
)

var corehookCommand = &command{
	name:  "corehook",
	usage: "corehook ...",
	short: "corehook (not built yet)",
	run: func(args []string, _ io.Reader, _, stderr io.Writer) int {
		fmt.Fprintln(stderr, "quirk corehook: not built yet")
		return exitFailure
	},
}
