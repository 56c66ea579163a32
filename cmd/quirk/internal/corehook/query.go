package corehook

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/corehook"
)

// runQuery runs the coredumpctl-like verbs; inv is the verb's invocation
// ("corehook info") and args its operands.
func runQuery(inv *base.Invocation, args []string, cfg corehook.Config, qo queryOpts) int {
	stdout, stderr := inv.Stdout, inv.Stderr
	_, verb, _ := strings.Cut(inv.Name, " ")
	fail := inv.Fail
	// needID finds the one crash the operand names; a missing operand is
	// bad syntax, an ID that names nothing (or something unsafe) a bad
	// value.
	needID := func() (*corehook.Entry, int) {
		if len(args) != 1 {
			return nil, inv.UsageError("want exactly one ID (an id, a pid or a comm)")
		}
		e, err := corehook.Find(cfg.Store, args[0])
		if err != nil {
			inv.Errorf("%v", err)
			return nil, exitBadOptions
		}
		// dump and debug open core_path as root: it must be this crash's
		// file in this store, whatever the sidecar says.
		if e.CorePath != "" && (filepath.Dir(e.CorePath) != filepath.Dir(e.SidecarPath) || !strings.HasPrefix(filepath.Base(e.CorePath), e.ID+".core")) {
			inv.Errorf("sidecar of %s names a core outside the store: %q", e.ID, e.CorePath)
			return nil, exitBadOptions
		}
		return e, exitOK
	}
	switch verb {
	case "list":
		all, err := corehook.List(cfg.Store)
		if err != nil {
			return fail(err)
		}
		entries, err := selectEntries(all, args, qo)
		if err != nil {
			return inv.UsageError("%v", err)
		}
		if qo.json.on() {
			type row struct {
				corehook.Meta
				Corefile string `json:"corefile"`
			}
			rows := make([]row, 0, len(entries))
			for i := range entries {
				rows = append(rows, row{entries[i].Meta, corefile(&entries[i])})
			}
			if err := qo.json.write(stdout, rows); err != nil {
				return fail(err)
			}
			return exitOK
		}
		if len(entries) == 0 {
			if !qo.noLegend {
				fmt.Fprintln(stderr, "No coredumps found.")
			}
			return exitFindings // as coredumpctl: nothing matched
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		if !qo.noLegend {
			fmt.Fprintln(tw, "TIME\tPID\tUID\tGID\tSIG\tCOREFILE\tEXE\tSIZE\tID")
		}
		for i := range entries {
			e := &entries[i]
			size := humanSize(e.Size)
			if e.CorePath == "" {
				size = "- (" + e.Dropped + ")"
			}
			exe := e.Exe
			if exe == "" {
				exe = e.Comm
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", e.Time.Local().Format("Mon 2006-01-02 15:04:05 MST"), e.PID, e.UID, e.GID, e.SignalName, corefile(e), printable(exe), size, e.ID)
		}
		tw.Flush()
		return exitOK
	case "info":
		e, code := needID()
		if e == nil {
			return code
		}
		if qo.json.on() {
			if err := qo.json.write(stdout, e.Meta); err != nil {
				return fail(err)
			}
			return exitOK
		}
		printInfo(stdout, &e.Meta)
		printBacktrace(inv, &e.Meta)
		return exitOK
	case "dump":
		e, code := needID()
		if e == nil {
			return code
		}
		switch qo.out {
		case "":
			return inv.UsageError("-o FILE is required (a core is binary; -o - writes it to standard output)")
		case "-":
			if err := corehook.DumpTo(&e.Meta, stdout); err != nil {
				return fail(err)
			}
			return exitOK
		}
		if err := corehook.Dump(&e.Meta, qo.out); err != nil {
			return fail(err)
		}
		return exitOK
	case "debug":
		e, code := needID()
		if e == nil {
			return code
		}
		return debug(inv, &e.Meta, qo)
	case "gc":
		dropped, err := corehook.GC(cfg.Store, cfg)
		for _, d := range dropped {
			fmt.Fprintf(stdout, "removed %s (uid %d, %s, %s): %s\n", d.ID, d.UID, printable(d.Comm), humanSize(d.Size), d.Reason)
		}
		if err != nil {
			return fail(err)
		}
		return exitOK
	}
	fmt.Fprintf(stderr, "quirk corehook: unknown verb %q\n%s", verb, longUsage)
	return exitBadSyntax
}

func debug(inv *base.Invocation, m *corehook.Meta, qo queryOpts) int {
	stdin, stdout, stderr := inv.Stdin, inv.Stdout, inv.Stderr
	name := qo.debugger
	if name == "" {
		name = "gdb"
	}
	dbg, err := exec.LookPath(name)
	if err != nil {
		inv.Errorf("debugger %s not found", name)
		return exitFailure
	}
	tmp, err := os.MkdirTemp("", "quirk-core-")
	if err != nil {
		return inv.Fail(err)
	}
	defer os.RemoveAll(tmp)
	core := tmp + "/core"
	if err := corehook.Dump(m, core); err != nil {
		return inv.Fail(err)
	}
	// -A is split on blanks, as coredumpctl does (no shell quoting).
	args := strings.Fields(qo.debugArgs)
	// The executable is named by the crasher's own NT_FILE note unless
	// /proc was verified: then the debugger gets the core alone.
	if m.ProcVerified && m.Exe != "" {
		args = append(args, m.Exe, core)
	} else {
		args = append(args, "-c", core)
	}
	cmd := exec.Command(dbg, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	// The debugger inherits the environment, so DEBUGINFOD_URLS reaches
	// gdb's debuginfod client; say so when it is set.
	if u := os.Getenv("DEBUGINFOD_URLS"); u != "" {
		fmt.Fprintf(stderr, "quirk corehook debug: DEBUGINFOD_URLS=%s\n", u)
	}
	// On a terminal the debugger gets it as a shell job would: Ctrl-C
	// stops the program it debugs and does not interrupt quirk.
	tty, _ := stdin.(*os.File)
	if err := base.RunForeground(cmd, tty); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		return inv.Fail(err)
	}
	return exitOK
}

func printInfo(w io.Writer, m *corehook.Meta) {
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%14s: %s\n", k, v)
		}
	}
	row("ID", m.ID)
	row("Time", m.Time.Local().Format(time.RFC3339))
	row("PID", fmt.Sprintf("%d (%d in its namespace), thread %d", m.PID, m.NSPID, m.TID))
	row("UID/GID", fmt.Sprintf("%d/%d", m.UID, m.GID))
	row("Signal", fmt.Sprintf("%d (%s)", m.Signal, m.SignalName))
	row("Fault address", m.FaultAddr)
	row("Comm", printable(m.Comm))
	row("Executable", printable(m.Exe))
	row("Command line", printable(strings.Join(m.Cmdline, " ")))
	row("Cwd", printable(m.Cwd))
	row("Cgroup", printable(m.Cgroup))
	row("Hostname", printable(m.Hostname))
	row("Boot ID", m.BootID)
	row("Dump mode", fmt.Sprint(m.DumpMode))
	row("Core limit", m.CoreLimit)
	if m.Threads > 0 {
		row("Threads", fmt.Sprint(m.Threads))
	}
	row("Verified", fmt.Sprintf("%v (pidfd %v)", m.ProcVerified, m.Pidfd))
	access := "uid " + fmt.Sprint(m.UID) + " and root"
	if m.RootOnly {
		access = "root only: " + m.RootOnlyWhy
	}
	row("Readable by", access)
	row("Size", fmt.Sprintf("%s, %s on disk (%s)", humanSize(m.Size), humanSize(m.DiskSize), m.Compression))
	row("Storage", m.CorePath)
	if m.Truncated {
		row("Truncated", m.TruncatedWhy)
	}
	row("Dropped", m.Dropped)
	row("Previous", printable(m.Previous))
	row("Note error", m.NoteError)
	for _, b := range m.BuildIDs {
		row("Build-id", b.ID+" "+printable(b.Path))
	}
	row("Released after", fmt.Sprintf("%d ms", m.ReleaseMs))
	if m.PeakRSSKB > 0 {
		row("Handler RSS", fmt.Sprintf("%d KiB peak", m.PeakRSSKB))
	}
}

// printable escapes control characters from crasher-chosen strings before
// they reach a terminal.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%c", float64(n)/float64(div), "KMGTPE"[exp])
}
