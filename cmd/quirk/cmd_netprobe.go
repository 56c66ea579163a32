package main

import (
	"fmt"
	"io"
)

var netprobeCommand = &command{
	name:  "netprobe",
	usage: "netprobe ...",
	short: "netprobe (not built yet)",
	run: func(args []string, _ io.Reader, _, stderr io.Writer) int {
		fmt.Fprintln(stderr, "quirk netprobe: not built yet")
		return exitFailure
	},
}
