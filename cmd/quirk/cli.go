package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// Exit codes shared by every subcommand. They follow ShellCheck's so that
// quirk can stand in for it in CI scripts and editors.
const (
	exitOK         = 0 // nothing found
	exitFindings   = 1 // issues found (or engines disagree)
	exitFailure    = 2 // some input could not be processed
	exitBadSyntax  = 3 // bad command line syntax, e.g. an unknown flag
	exitBadOptions = 4 // bad option values, e.g. an unknown format
)

// runFunc is the shape of every subcommand: it gets the arguments after its
// name and returns the process exit code.
type runFunc func(args []string, stdin io.Reader, stdout, stderr io.Writer) int

// command is one entry of the flat subcommand table. Keeping the tree one level
// deep (as cmd/go advises) makes "quirk help" complete and predictable.
type command struct {
	name  string
	usage string
	short string
	run   runFunc
}

// commands is filled in init to break the initialization cycle between the
// table and the help command, which lists the table.
var commands []*command

func init() {
	commands = []*command{
		checkCommand,
		expandCommand,
		corehookCommand,
		netprobeCommand,
		explainCommand,
		versionCommand,
		{name: "help", usage: "help [COMMAND]", short: "show help for quirk or one command", run: runHelp},
	}
}

// Main runs quirk with args (without the program name) and returns the exit
// code. It never calls os.Exit, so tests and testscript can call it directly.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return exitBadSyntax
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		printUsage(stdout)
		return exitOK
	case "-V", "-version", "--version":
		return runVersion(nil, stdin, stdout, stderr)
	}
	cmd := lookup(name)
	if cmd == nil {
		fmt.Fprintf(stderr, "quirk: unknown command %q\n", name)
		printUsage(stderr)
		return exitBadSyntax
	}
	return cmd.run(args[1:], stdin, stdout, stderr)
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "quirk finds the Unix behaviours that surprise careful people, and proves them.\n\n")
	fmt.Fprintf(w, "Usage:\n\n")
	width := 0
	for _, c := range commands {
		width = max(width, len(c.usage))
	}
	for _, c := range commands {
		fmt.Fprintf(w, "  quirk %-*s  %s\n", width, c.usage, c.short)
	}
	fmt.Fprintf(w, "\nRun \"quirk help COMMAND\" or \"quirk COMMAND -h\" for a command's flags.\n")
}

func runHelp(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stdout)
		return exitOK
	}
	cmd := lookup(args[0])
	if cmd == nil || cmd.name == "help" {
		fmt.Fprintf(stderr, "quirk help: unknown command %q\n", args[0])
		return exitBadSyntax
	}
	return cmd.run([]string{"-h"}, stdin, stdout, stderr)
}

var versionCommand = &command{
	name:  "version",
	usage: "version",
	short: "print quirk's version and the versions of its key dependencies",
	run:   runVersion,
}

func runVersion(_ []string, _ io.Reader, stdout, _ io.Writer) int {
	fmt.Fprintln(stdout, versionString())
	return exitOK
}

// versionString reports the module version (or "devel" for a source build)
// and the mvdan.cc/sh version, which decides how the checker parses shell.
func versionString() string {
	version, shVersion := "devel", "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
		for _, dep := range info.Deps {
			if dep.Path == "mvdan.cc/sh/v3" {
				shVersion = dep.Version
			}
		}
		var vcs []string
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				vcs = append(vcs, s.Value[:12])
			}
		}
		if len(vcs) > 0 {
			version += " (" + strings.Join(vcs, " ") + ")"
		}
	}
	return fmt.Sprintf("quirk %s\nmvdan.cc/sh/v3 %s", version, shVersion)
}
