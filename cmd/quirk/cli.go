package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/check"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/corehook"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/expand"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/explain"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/lsp"
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
		lsp.Command,
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
	}
	cmd := lookup(name)
	if cmd == nil && looksLikeShellCheck(name) {
		// ShellCheck's command line with no quirk command: editors and CI
		// actions that run "shellcheck -f json1 -" can run quirk instead.
		return check.ShellCheckMain(ctx, &base.Invocation{Name: "check", Args: args, Stdin: stdin, Stdout: stdout, Stderr: stderr})
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "quirk: unknown command %q\n", name)
		printUsage(stderr)
		return base.ExitBadSyntax
	}
	return cmd.Run(ctx, &base.Invocation{Name: cmd.Name, Args: args[1:], Stdin: stdin, Stdout: stdout, Stderr: stderr})
}

// MainAs runs quirk under the program name argv0: as "shellcheck" (a link
// to quirk under that name) it always behaves as ShellCheck's command line.
func MainAs(ctx context.Context, argv0 string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if strings.TrimSuffix(filepath.Base(argv0), ".exe") == "shellcheck" {
		return check.ShellCheckMain(ctx, &base.Invocation{Name: "check", Args: args, Stdin: stdin, Stdout: stdout, Stderr: stderr})
	}
	return Main(ctx, args, stdin, stdout, stderr)
}

// looksLikeShellCheck tells a ShellCheck argument (an option, "-", or a
// script that exists) from a mistyped command, which stays an error.
func looksLikeShellCheck(arg string) bool {
	if strings.HasPrefix(arg, "-") {
		return true
	}
	info, err := os.Stat(arg)
	return err == nil && !info.IsDir()
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
	fmt.Fprintf(w, "Called with ShellCheck's arguments and no command (or as a program named\n"+
		"shellcheck), quirk runs check: \"quirk -f json1 -\" is \"quirk check -f json1 -\",\n"+
		"and -V prints ShellCheck's version layout with quirk's version.\n")
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
