package main

import (
	"context"
	"fmt"
	"io"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/check"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/corehook"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/expand"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/explain"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/netprobe"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/version"
)

// commands is quirk's flat subcommand table; each lives in its own package
// under internal/ with the same Main shape (see package base). It is filled
// in init to break the initialization cycle with help, which lists it.
var commands []*base.Command

func init() {
	commands = []*base.Command{
		check.Command,
		expand.Command,
		corehook.Command,
		netprobe.Command,
		explain.Command,
		version.Command,
		{Name: "help", UsageLine: "help [COMMAND]", Short: "show help for quirk or one command", Run: runHelp},
	}
}

// Main runs quirk with args (without the program name) and returns the exit
// code. It never calls os.Exit, so tests and testscript can call it directly.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return base.ExitBadSyntax
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		printUsage(stdout)
		return base.ExitOK
	case "-V", "-version", "--version":
		name = "version"
		args = []string{name}
	}
	cmd := lookup(name)
	if cmd == nil {
		fmt.Fprintf(stderr, "quirk: unknown command %q\n", name)
		printUsage(stderr)
		return base.ExitBadSyntax
	}
	return cmd.Run(ctx, &base.Invocation{Name: cmd.Name, Args: args[1:], Stdin: stdin, Stdout: stdout, Stderr: stderr})
}

func lookup(name string) *base.Command {
	for _, c := range commands {
		if c.Name == name {
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
		width = max(width, len(c.UsageLine))
	}
	for _, c := range commands {
		fmt.Fprintf(w, "  quirk %-*s  %s\n", width, c.UsageLine, c.Short)
	}
	fmt.Fprintf(w, "\nRun \"quirk help COMMAND\" or \"quirk COMMAND -h\" for a command's flags.\n")
}

func runHelp(ctx context.Context, inv *base.Invocation) int {
	if len(inv.Args) == 0 {
		printUsage(inv.Stdout)
		return base.ExitOK
	}
	cmd := lookup(inv.Args[0])
	if cmd == nil || cmd.Name == "help" {
		inv.Errorf("unknown command %q", inv.Args[0])
		return base.ExitBadSyntax
	}
	return cmd.Run(ctx, &base.Invocation{Name: cmd.Name, Args: []string{"-h"}, Stdin: inv.Stdin, Stdout: inv.Stdout, Stderr: inv.Stderr})
}
