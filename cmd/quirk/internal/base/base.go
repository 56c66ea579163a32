// Package base is what every quirk subcommand shares, as cmd/go's
// internal/base is for the go command: the one exit-code table, the
// Invocation a subcommand runs with, one flag parser that lets flags follow
// operands, errors spelled "quirk <cmd>: …", one JSON writer and the root
// context that SIGINT and SIGTERM cancel.
//
// A subcommand is a package under cmd/quirk/internal/<name> with a Command
// whose Run has the shape of Main:
//
//	func Main(ctx context.Context, inv *base.Invocation) int
//
// so that a new flag, exit code or JSON output changes in one place.
package base

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// Exit codes of every quirk subcommand. They are ShellCheck's, so that
// quirk can stand in for it in CI scripts and editors; README.md documents
// them once ("Exit status").
const (
	ExitOK         = 0 // nothing found, or engines agree
	ExitFindings   = 1 // findings (check, netprobe, corehook status) or engines differ (expand)
	ExitFailure    = 2 // some input could not be processed: unreadable file, sandbox or engine error
	ExitBadSyntax  = 3 // bad command line: unknown flag or subcommand, missing or extra operand
	ExitBadOptions = 4 // a well-formed option or operand with a bad value, e.g. an unknown format
)

// Invocation is what a subcommand runs with: its name for messages (the
// verb included, e.g. "corehook info"), the arguments after that name and
// the standard streams. Tests build one around buffers.
type Invocation struct {
	Name   string
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Command is one entry of quirk's flat subcommand table. Keeping the tree
// one level deep (as cmd/go advises) makes "quirk help" complete.
type Command struct {
	Name      string
	UsageLine string // after "quirk ", e.g. "check [flags] FILE|DIR|- ..."
	Short     string // one line for "quirk help"
	Run       func(ctx context.Context, inv *Invocation) int
}

// Sub returns a copy of inv for a verb of a subcommand: messages then say
// "quirk corehook info: …".
func (inv *Invocation) Sub(verb string, args []string) *Invocation {
	sub := *inv
	sub.Name = inv.Name + " " + verb
	sub.Args = args
	return &sub
}

// Errorf prints "quirk <name>: <message>" on stderr.
func (inv *Invocation) Errorf(format string, args ...any) {
	fmt.Fprintf(inv.Stderr, "quirk %s: %s\n", inv.Name, fmt.Sprintf(format, args...))
}

// Fail prints err as Errorf does and returns ExitFailure.
func (inv *Invocation) Fail(err error) int {
	inv.Errorf("%v", err)
	return ExitFailure
}

// UsageError prints the message and a pointer to -h, and returns
// ExitBadSyntax: the one answer to a command line quirk cannot parse.
func (inv *Invocation) UsageError(format string, args ...any) int {
	inv.Errorf(format, args...)
	fmt.Fprintf(inv.Stderr, "Run 'quirk %s -h' for usage.\n", inv.Name)
	return ExitBadSyntax
}

// WriteJSON writes v as indented JSON, the one JSON style of quirk's
// --json outputs.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// JSON writes v to stdout with WriteJSON; a failure (a closed pipe) is
// reported and is ExitFailure, otherwise it returns code.
func (inv *Invocation) JSON(v any, code int) int {
	if err := WriteJSON(inv.Stdout, v); err != nil {
		return inv.Fail(err)
	}
	return code
}

// ExitStatusHelp is the exit-code table as every usage text prints it;
// findings says what status 1 means for the command.
func ExitStatusHelp(findings string) string {
	return "Exit status:\n" +
		"  0  nothing to report\n" +
		"  1  " + findings + "\n" +
		"  2  some input could not be processed, or quirk was interrupted\n" +
		"  3  bad command line (unknown flag or verb, missing or extra operand)\n" +
		"  4  bad option value\n"
}

// WriteJSONLine writes v as compact JSON on one line, for a --json=short
// and for streams of records.
func WriteJSONLine(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}
