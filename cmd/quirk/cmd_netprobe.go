package main

import (
	"io"

	"github.com/quirkcheck/quirk/netprobe/cli"
)

var netprobeCommand = &command{
	name:  "netprobe",
	usage: cli.Usage,
	short: "measure port reuse on this host and find ports that can be stolen",
	run: func(args []string, _ io.Reader, stdout, stderr io.Writer) int {
		return cli.Main(args, stdout, stderr)
	},
}
