package main

import "github.com/quirkcheck/quirk/expand/cli"

// expandCommand is "quirk expand"; the logic lives in expand/cli.
var expandCommand = &command{
	name:  "expand",
	usage: cli.Usage,
	short: "evaluate a word, script or Oils spec file under real shells and mvdan.cc/sh, and compare",
	run:   cli.Main,
}
