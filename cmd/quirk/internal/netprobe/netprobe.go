// Package netprobe is `quirk netprobe`: flag parsing, text and JSON output
// and exit codes over the library package netprobe.
package netprobe

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/netprobe"
)

const (
	exitOK         = base.ExitOK
	exitFindings   = base.ExitFindings
	exitFailure    = base.ExitFailure
	exitBadSyntax  = base.ExitBadSyntax
	exitBadOptions = base.ExitBadOptions
)

// Usage is the one-line synopsis shown by `quirk help`.
const Usage = "netprobe matrix|scan|check [--json] [FILTER|ADDR:PORT]"

var longUsage = `Usage:
  quirk netprobe matrix [--json]       probe port-reuse semantics on this host
  quirk netprobe scan [--json] [--no-processes] [--all-netns] [--procnet] [FILTER]
                                       list listening and bound sockets, report takeovers;
                                       FILTER as ss: sport = :53, dport, src, dst, tcp, udp,
                                       dev, uid, and/or/not, ( )
  quirk netprobe check [--udp] [--json] ADDR:PORT|localhost:PORT
                                       which bind options could take a live port
                                       (localhost checks 127.0.0.1 and ::1)

`

// Command is "quirk netprobe".
var Command = &base.Command{
	Name:      "netprobe",
	UsageLine: Usage,
	Short:     "measure port reuse on this host and find ports that can be stolen",
	Run:       Main,
}

func init() {
	longUsage += base.ExitStatusHelp("findings (scan: a takeover; check: a bind that could take the port)")
}

// Main runs `quirk netprobe` with inv.Args (after "netprobe") and returns
// the exit code.
func Main(ctx context.Context, inv *base.Invocation) int {
	args, stdout, stderr := inv.Args, inv.Stdout, inv.Stderr
	if len(args) == 0 {
		fmt.Fprint(stderr, longUsage)
		return exitBadSyntax
	}
	if base.IsHelp(args[0]) {
		fmt.Fprint(stdout, longUsage)
		return exitOK
	}
	if code, isFlag := inv.FlagBeforeVerb(args[0]); isFlag {
		return code
	}
	sub := inv.Sub(args[0], args[1:])
	switch args[0] {
	case "matrix":
		return runMatrix(ctx, sub)
	case "scan":
		return runScan(sub)
	case "check":
		return runCheck(sub)
	}
	inv.Errorf("unknown subcommand %q", args[0])
	fmt.Fprint(stderr, longUsage)
	return exitBadSyntax
}

// parseFlags parses fs with base's interspersed parser ("check
// 127.0.0.1:80 --udp"); ok is false when the caller should return code.
// The positional arguments are returned in order.
func parseFlags(fs *flag.FlagSet, inv *base.Invocation) (pos []string, code int, ok bool) {
	pos, dashed, code, ok := inv.Parse(fs, inv.Args)
	return append(pos, dashed...), code, ok
}

// report prints a result as JSON or as text, and turns findings into exit
// status 1 so that scan and check can gate CI or monitoring.
func report(inv *base.Invocation, asJSON bool, writeJSON func(io.Writer) error, printText func(io.Writer), findings bool) int {
	if asJSON {
		if err := writeJSON(inv.Stdout); err != nil {
			return inv.Fail(err)
		}
	} else {
		printText(inv.Stdout)
	}
	if findings {
		return exitFindings
	}
	return exitOK
}

func runScan(inv *base.Invocation) int {
	fs := flag.NewFlagSet("netprobe scan", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON: {\"sockets\":[…], \"findings\":[…]}")
	procNet := fs.Bool("procnet", false, "read /proc/net instead of sock_diag (Linux)")
	noProcs := fs.Bool("no-processes", false, "do not look up the processes holding each socket (faster; then reuse options and /proc/net devices are not read back)")
	allNetns := fs.Bool("all-netns", false, "scan every network namespace in /proc/*/ns/net and /run/netns (root)")
	pos, code, ok := parseFlags(fs, inv)
	if !ok {
		return code
	}
	filter, err := netprobe.ParseFilter(pos)
	if err != nil {
		inv.Errorf("%v", err)
		return exitBadOptions
	}
	base.TuneGC()
	if os.Getenv("GOGC") == "" {
		// A scan is one pass whose heap is its result (about 300 bytes
		// per socket): collecting it finds almost nothing to free.
		// Measured on 50,000 sockets: 47-61 ms of CPU instead of
		// 72-84, 4,500 page faults instead of 6,000. TuneGC's memory
		// limit still starts the collector if a huge host needs it.
		debug.SetGCPercent(-1)
	}
	res, err := netprobe.Scan(netprobe.ScanOptions{ProcNet: *procNet, NoProcesses: *noProcs, AllNetns: *allNetns})
	if err != nil {
		return inv.Fail(err)
	}
	res.Apply(filter)
	return report(inv, *asJSON, res.WriteJSON, func(w io.Writer) { printScan(w, res, *allNetns) }, len(res.Findings) > 0)
}

func printScan(w io.Writer, res *netprobe.ScanResult, allNetns bool) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	head := "PROTO\tADDRESS\tPORT\tDEV\tPEER\tV6ONLY\tUID\tREUSE\tPROCESSES"
	if allNetns {
		head = "NETNS\t" + head
	}
	fmt.Fprintln(tw, head)
	for _, s := range res.Sockets {
		v6 := "-"
		if s.V6Only != nil {
			v6 = fmt.Sprint(*s.V6Only)
		}
		uid := "-"
		if s.UID >= 0 {
			uid = fmt.Sprint(s.UID)
		}
		if allNetns {
			fmt.Fprintf(tw, "%s\t", s.Netns)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Proto, address(s), s.Port, device(s), dash(s.Peer), v6, uid, reuse(s), processes(s.Processes))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d sockets (from %s), %d findings\n", len(res.Sockets), res.Source, len(res.Findings))
	for _, n := range res.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, f := range res.Findings {
		where := ""
		if allNetns {
			where = " in " + f.Netns
		}
		fmt.Fprintf(w, "%s %s/%d%s: %s\n", f.Kind, f.Proto, f.Port, where, f.Detail)
		for _, s := range f.Sockets {
			fmt.Fprintf(w, "    %s %s\n", s, processes(s.Processes))
		}
	}
}

// address is the local address with its zone, as ss prints link-local
// IPv6 addresses (fe80::1%eth0).
func address(s netprobe.Socket) string {
	a, err := netip.ParseAddr(s.Addr)
	if err == nil && a.Is6() && a.IsLinkLocalUnicast() && s.Device != "" {
		return s.Addr + "%" + s.Device
	}
	return s.Addr
}

func device(s netprobe.Socket) string {
	switch {
	case s.Device != "":
		return s.Device
	case s.Interface != 0:
		return fmt.Sprint(s.Interface)
	case s.DeviceUnknown:
		return "?"
	}
	return "-"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
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

func runMatrix(ctx context.Context, inv *base.Invocation) int {
	stdout := inv.Stdout
	fs := flag.NewFlagSet("netprobe matrix", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, code, ok := parseFlags(fs, inv)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return inv.UsageError("unexpected argument %q", pos[0])
	}
	rep, err := netprobe.Matrix(ctx)
	if err != nil {
		return inv.Fail(err)
	}
	if *asJSON {
		return inv.JSON(rep, exitOK)
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

func runCheck(inv *base.Invocation) int {
	fs := flag.NewFlagSet("netprobe check", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	udp := fs.Bool("udp", false, "also try UDP binds (a successful UDP trial receives datagrams while it exists)")
	pos, code, ok := parseFlags(fs, inv)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return inv.UsageError("want one ADDR:PORT")
	}
	targets, err := netprobe.ParseTargets(pos[0])
	if err != nil {
		inv.Errorf("%v", err)
		return exitBadOptions
	}
	var reps []*netprobe.CheckReport
	takeable, notLocal := false, true
	for _, target := range targets {
		rep, err := netprobe.Check(target, *udp)
		if err != nil {
			return inv.Fail(err)
		}
		reps = append(reps, rep)
		takeable = takeable || len(rep.Takeable) > 0
		notLocal = notLocal && rep.NotLocal
	}
	// One target prints one report object; localhost (both loopback
	// addresses) prints an array of two.
	var doc any = reps
	if len(reps) == 1 {
		doc = reps[0]
	}
	asJSONFn := func(w io.Writer) error { return base.WriteJSON(w, doc) }
	printText := func(w io.Writer) {
		for i, rep := range reps {
			if i > 0 {
				fmt.Fprintln(w)
			}
			printCheck(w, rep)
		}
	}
	code = report(inv, *asJSON, asJSONFn, printText, takeable)
	if code == exitOK && notLocal {
		// Every bind failed with EADDRNOTAVAIL: nothing was checked, and
		// a "nothing to report" status would read as "safe" in a script.
		inv.Errorf("nothing was tried: %s is not an address of this host", pos[0])
		return exitFailure
	}
	return code
}

func printCheck(w io.Writer, rep *netprobe.CheckReport) {
	switch {
	case !rep.HoldersKnown:
		fmt.Fprintf(w, "%s: holders unknown (no socket list on this system)\n", rep.Target)
	case rep.NotLocal:
		fmt.Fprintf(w, "%s: not an address of this host\n", rep.Target)
	case len(rep.Holders) == 0:
		fmt.Fprintf(w, "%s: no socket holds this address and port now\n", rep.Target)
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
	for _, n := range rep.NotTried {
		fmt.Fprintf(w, "not tried: %s\n", n)
	}
	if rep.NotLocal {
		fmt.Fprintln(w, "\nnothing could be tried on this host")
		return
	}
	if len(rep.Takeable) == 0 {
		fmt.Fprintln(w, "\nno trial socket could bind next to a holder")
		return
	}
	fmt.Fprintf(w, "\n%d trial binds succeeded while the port was held: that socket and uid could share or shadow it\n", len(rep.Takeable))
}
