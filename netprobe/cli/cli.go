// Package cli implements `quirk netprobe`: flag parsing, text and JSON output
// and exit codes over package netprobe.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/quirkcheck/quirk/netprobe"
)

// Exit codes, the same as every quirk subcommand.
const (
	exitOK         = 0
	exitFindings   = 1
	exitFailure    = 2
	exitBadSyntax  = 3
	exitBadOptions = 4
)

// Usage is the one-line synopsis shown by `quirk help`.
const Usage = "netprobe matrix|scan|check [--json] [ADDR:PORT]"

const longUsage = `Usage:
  quirk netprobe matrix [--json]       probe port-reuse semantics on this host
  quirk netprobe scan [--json]         list listening sockets and report shared ports
  quirk netprobe check [--udp] [--json] ADDR:PORT
                                       which bind options could take a live port

scan and check exit 0 with nothing to report, 1 with findings, 2 on error.
`

// Main runs `quirk netprobe` with args (after "netprobe") and returns the
// exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, longUsage)
		return exitBadSyntax
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, longUsage)
		return exitOK
	case "matrix":
		return runMatrix(args[1:], stdout, stderr)
	case "scan":
		return runScan(args[1:], stdout, stderr)
	case "check":
		return runCheck(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "quirk netprobe: unknown subcommand %q\n%s", args[0], longUsage)
	return exitBadSyntax
}

// parseFlags parses fs, allowing flags after positional arguments
// ("check 127.0.0.1:80 --udp"), and maps failures to exit codes; ok is false
// when the caller should return code. The positional arguments are returned
// in order.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (pos []string, code int, ok bool) {
	fs.SetOutput(stderr)
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(stdout)
				fs.PrintDefaults()
				return nil, exitOK, false
			}
			return nil, exitBadSyntax, false
		}
		if fs.NArg() == 0 {
			return pos, 0, true
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// report prints a result as JSON or as text, and turns findings into exit
// status 1 so that scan and check can gate CI or monitoring.
func report(stdout, stderr io.Writer, verb string, asJSON bool, writeJSON func(io.Writer) error, printText func(io.Writer), findings bool) int {
	if asJSON {
		if err := writeJSON(stdout); err != nil {
			fmt.Fprintf(stderr, "quirk netprobe %s: %v\n", verb, err)
			return exitFailure
		}
	} else {
		printText(stdout)
	}
	if findings {
		return exitFindings
	}
	return exitOK
}

func runScan(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("netprobe scan", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON: {\"sockets\":[…], \"findings\":[…]}")
	procNet := fs.Bool("procnet", false, "read /proc/net instead of sock_diag (Linux)")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "quirk netprobe scan: unexpected argument %q\n", pos[0])
		return exitBadSyntax
	}
	res, err := netprobe.Scan(netprobe.ScanOptions{ProcNet: *procNet})
	if err != nil {
		fmt.Fprintf(stderr, "quirk netprobe scan: %v\n", err)
		return exitFailure
	}
	return report(stdout, stderr, "scan", *asJSON, res.WriteJSON, func(w io.Writer) { printScan(w, res) }, len(res.Findings) > 0)
}

func printScan(w io.Writer, res *netprobe.ScanResult) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "PROTO\tADDRESS\tPORT\tV6ONLY\tUID\tREUSE\tPROCESSES")
	for _, s := range res.Sockets {
		v6 := "-"
		if s.V6Only != nil {
			v6 = fmt.Sprint(*s.V6Only)
		}
		uid := "-"
		if s.UID >= 0 {
			uid = fmt.Sprint(s.UID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", s.Proto, s.Addr, s.Port, v6, uid, reuse(s), processes(s.Processes))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d sockets (from %s), %d findings\n", len(res.Sockets), res.Source, len(res.Findings))
	for _, f := range res.Findings {
		fmt.Fprintf(w, "%s %s/%d: %s\n", f.Kind, f.Proto, f.Port, f.Detail)
		for _, s := range f.Sockets {
			fmt.Fprintf(w, "    %s %s\n", s, processes(s.Processes))
		}
	}
}

// reuse shows the SO_REUSEADDR/SO_REUSEPORT flags scan read back ("-" when
// it did not: only sharing sockets are read, and only as root).
func reuse(s netprobe.Socket) string {
	if s.ReuseAddr == nil || s.ReusePort == nil {
		return "-"
	}
	var parts []string
	if *s.ReuseAddr {
		parts = append(parts, "addr")
	}
	if *s.ReusePort {
		parts = append(parts, "port")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "+")
}

func processes(ps []netprobe.Process) string {
	if len(ps) == 0 {
		return "-"
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%s[%d]", p.Command, p.PID)
	}
	return strings.Join(parts, ",")
}

func runMatrix(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("netprobe matrix", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "quirk netprobe matrix: unexpected argument %q\n", pos[0])
		return exitBadSyntax
	}
	rep, err := netprobe.Matrix(context.Background())
	if err != nil {
		fmt.Fprintf(stderr, "quirk netprobe matrix: %v\n", err)
		return exitFailure
	}
	if *asJSON {
		if err := writeJSON(stdout, rep); err != nil {
			fmt.Fprintf(stderr, "quirk netprobe matrix: %v\n", err)
			return exitFailure
		}
		return exitOK
	}
	where := "in a private network namespace"
	if !rep.Isolated {
		where = "in the host's network namespace (loopback; wildcard sockets bound, never listening)"
	}
	fmt.Fprintf(stdout, "port reuse on %s, probed %s in %s; cross-user cases: %v\n", rep.OS, where, rep.Elapsed, rep.CrossUser)
	group := ""
	disagree := 0
	for _, r := range rep.Rows {
		if r.Group != group {
			group = r.Group
			fmt.Fprintf(stdout, "\n%s\n", group)
		}
		mark := " "
		if r.Agrees == "no" {
			mark = "!"
			disagree++
		}
		fmt.Fprintf(stdout, "%s %-20s takes=%-10s %s\n", mark, r.Result, r.Takes, r.Case)
		fmt.Fprintf(stdout, "      documented: %s\n", r.Documented)
		if r.Traffic != "" {
			fmt.Fprintf(stdout, "      traffic:    %s\n", r.Traffic)
		}
		if r.Note != "" {
			fmt.Fprintf(stdout, "      note:       %s\n", r.Note)
		}
	}
	fmt.Fprintf(stdout, "\n%d cases, %d differ from the documentation (marked !)\n", len(rep.Rows), disagree)
	return exitOK
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("netprobe check", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	udp := fs.Bool("udp", false, "also try UDP binds (a successful UDP trial receives datagrams while it exists)")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "quirk netprobe check: want one ADDR:PORT\n")
		return exitBadSyntax
	}
	target, err := netprobe.ParseTarget(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "quirk netprobe check: %v\n", err)
		return exitBadOptions
	}
	rep, err := netprobe.Check(target, *udp)
	if err != nil {
		fmt.Fprintf(stderr, "quirk netprobe check: %v\n", err)
		return exitFailure
	}
	asJSONFn := func(w io.Writer) error { return writeJSON(w, rep) }
	return report(stdout, stderr, "check", *asJSON, asJSONFn, func(w io.Writer) { printCheck(w, rep) }, len(rep.Takeable) > 0)
}

func printCheck(w io.Writer, rep *netprobe.CheckReport) {
	switch {
	case !rep.HoldersKnown:
		fmt.Fprintf(w, "%s: holders unknown (no socket list on this system)\n", rep.Target)
	case len(rep.Holders) == 0:
		fmt.Fprintf(w, "%s: no socket holds this address and port; any bind below is harmless\n", rep.Target)
	default:
		fmt.Fprintf(w, "%s is held by:\n", rep.Target)
		for _, s := range rep.Holders {
			fmt.Fprintf(w, "    %s %s\n", s, processes(s.Processes))
		}
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "\nPROTO\tUID\tOPTIONS\tBIND")
	for _, a := range rep.Attempts {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", a.Proto, a.UID, a.Options, a.Result)
	}
	tw.Flush()
	if rep.HoldersKnown && len(rep.Holders) > 0 {
		for _, proto := range []string{"tcp", "udp"} {
			tried, held := false, false
			for _, a := range rep.Attempts {
				tried = tried || a.Proto == proto
			}
			for _, s := range rep.Holders {
				held = held || s.Proto == proto
			}
			if tried && !held {
				fmt.Fprintf(w, "(no %s socket holds the port: the %s binds take nothing)\n", proto, proto)
			}
		}
	}
	if len(rep.Takeable) == 0 {
		fmt.Fprintln(w, "\nno trial socket could bind next to the holder")
		return
	}
	fmt.Fprintf(w, "\n%d trial binds succeeded while the port was held: that socket and uid could share or shadow it\n", len(rep.Takeable))
}
