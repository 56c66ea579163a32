package main

import "github.com/quirkcheck/quirk/corehook"

// corehookCommand installs, runs and queries the core_pattern handler; the
// logic lives in package corehook.
var corehookCommand = &command{
	name:  "corehook",
	usage: corehook.Usage,
	short: "store cores centrally through core_pattern, and give the admin's pattern back",
	run:   corehook.Main,
}
