package base

import (
	"errors"
	"flag"
	"io"
	"strings"
)

// Interspersed parses args with fs, letting flags follow operands as
// ShellCheck's getopt does ("quirk check a.sh -f gcc"). Whether a flag
// consumes the next argument is read from fs itself (a boolean flag, one
// whose Value has IsBoolFlag() true, does not), so no list of flags can
// drift from the FlagSet. Everything after the first "--" that is not a
// flag's value is returned in dashed, unparsed, even if it looks like a
// flag; dashed is nil when there was no "--".
func Interspersed(fs *flag.FlagSet, args []string) (operands, dashed []string, err error) {
	var flags []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			dashed = append([]string{}, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			operands = append(operands, a) // "-" alone is an operand: standard input
			continue
		}
		flags = append(flags, a)
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil && !isBool(f) && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	if err := fs.Parse(flags); err != nil {
		return nil, nil, err
	}
	// Every token given to Parse was a flag or a flag's value, so nothing
	// should remain; keep whatever does as operands rather than lose it.
	return append(operands, fs.Args()...), dashed, nil
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// Parse is Interspersed with quirk's answers to a bad command line: -h
// (or -help, --help) prints fs.Usage on stdout and is ExitOK; any other
// parse error is "quirk <name>: <error>" on stderr and ExitBadSyntax. ok
// is false when the caller should return code at once.
func (inv *Invocation) Parse(fs *flag.FlagSet, args []string) (operands, dashed []string, code int, ok bool) {
	fs.SetOutput(io.Discard) // the flag package's own messages are replaced below
	operands, dashed, err := Interspersed(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(inv.Stdout)
		if fs.Usage != nil {
			fs.Usage()
		} else {
			fs.PrintDefaults()
		}
		return nil, nil, ExitOK, false
	case err != nil:
		fs.SetOutput(inv.Stderr)
		return nil, nil, inv.UsageError("%v", err), false
	}
	fs.SetOutput(inv.Stderr)
	return operands, dashed, ExitOK, true
}

// IsHelp reports whether arg asks for help, for subcommands that look at
// their first argument (a verb) before any FlagSet exists.
func IsHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// FlagBeforeVerb answers a subcommand with verbs ("corehook list",
// "netprobe scan") whose first argument is a flag: the same message as an
// unknown flag anywhere else, and ExitBadSyntax; ok is false when arg is
// not a flag (or is a request for help, which the caller answers).
func (inv *Invocation) FlagBeforeVerb(arg string) (code int, ok bool) {
	if len(arg) < 2 || arg[0] != '-' || IsHelp(arg) {
		return 0, false
	}
	return inv.UsageError("flag provided but not defined: %s (flags go after the verb)", arg), true
}
