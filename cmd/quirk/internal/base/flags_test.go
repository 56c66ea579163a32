package base

import (
	"bytes"
	"flag"
	"slices"
	"strings"
	"testing"
)

// colour is a flag.Value that is boolean by IsBoolFlag, as check's --color.
type colour string

func (c *colour) String() string     { return string(*c) }
func (c *colour) Set(v string) error { *c = colour(v); return nil }
func (c *colour) IsBoolFlag() bool   { return true }

func TestInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args             []string
		operands, dashed []string
		format           string
		json             bool
		colour           string
	}{
		// A value flag after an operand takes the next argument...
		{args: []string{"a.sh", "-f", "gcc", "b.sh"}, operands: []string{"a.sh", "b.sh"}, format: "gcc"},
		// ...even one that looks like a flag or like "--".
		{args: []string{"-f", "--json", "a"}, operands: []string{"a"}, format: "--json"},
		{args: []string{"-f", "--", "a"}, operands: []string{"a"}, format: "--"},
		// A boolean flag never does, whether built in or by IsBoolFlag.
		{args: []string{"--json", "a", "--color", "b"}, operands: []string{"a", "b"}, json: true, colour: "true"},
		{args: []string{"--color=never", "a"}, operands: []string{"a"}, colour: "never"},
		{args: []string{"--f=tty", "-"}, operands: []string{"-"}, format: "tty"},
		// After "--" nothing is a flag.
		{args: []string{"a", "--", "-f", "x"}, operands: []string{"a"}, dashed: []string{"-f", "x"}},
		{args: []string{"--"}, dashed: []string{}},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		format := fs.String("f", "", "")
		asJSON := fs.Bool("json", false, "")
		var c colour
		fs.Var(&c, "color", "")
		ops, dashed, err := Interspersed(fs, tc.args)
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if !slices.Equal(ops, tc.operands) || !slices.Equal(dashed, tc.dashed) || (dashed == nil) != (tc.dashed == nil) ||
			*format != tc.format || *asJSON != tc.json || string(c) != tc.colour {
			t.Errorf("%q: operands %q dashed %q format %q json %v colour %q", tc.args, ops, dashed, *format, *asJSON, c)
		}
	}
}

// The answers every subcommand shares: -h is usage on stdout and 0, an
// unknown flag or a missing value is "quirk <cmd>: …" on stderr and 3.
func TestParseAnswers(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		code      int
		out, errs string
		ok        bool
	}{
		{args: []string{"a", "-h"}, code: ExitOK, out: "Usage: quirk t"},
		{args: []string{"--help"}, code: ExitOK, out: "Usage: quirk t"},
		{args: []string{"a", "--bogus"}, code: ExitBadSyntax, errs: "quirk t: flag provided but not defined: -bogus\n"},
		{args: []string{"-f"}, code: ExitBadSyntax, errs: "quirk t: flag needs an argument: -f\n"},
		{args: []string{"a", "-f", "x"}, code: ExitOK, ok: true},
	} {
		var out, errs bytes.Buffer
		inv := &Invocation{Name: "t", Stdout: &out, Stderr: &errs}
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.String("f", "", "")
		fs.Usage = func() { fs.Output().Write([]byte("Usage: quirk t\n")) }
		_, _, code, ok := inv.Parse(fs, tc.args)
		if code != tc.code || ok != tc.ok || !strings.Contains(out.String(), tc.out) || !strings.HasPrefix(errs.String(), tc.errs) {
			t.Errorf("%q: code %d ok %v stdout %q stderr %q", tc.args, code, ok, out.String(), errs.String())
		}
		if tc.code == ExitOK && errs.Len() > 0 {
			t.Errorf("%q: stderr %q, want nothing", tc.args, errs.String())
		}
	}
}
