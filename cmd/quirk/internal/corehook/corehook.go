// Package corehook is "quirk corehook": the verbs that install, run and
// query the core_pattern handler of the library package corehook.
package corehook

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/corehook"
	"github.com/quirkcheck/quirk/corehook/server"
	"github.com/quirkcheck/quirk/corehook/upload"
)

const (
	exitOK         = base.ExitOK
	exitFindings   = base.ExitFindings
	exitFailure    = base.ExitFailure
	exitBadSyntax  = base.ExitBadSyntax
	exitBadOptions = base.ExitBadOptions
)

// Usage is the one-line synopsis of "quirk corehook".
const Usage = "corehook install|uninstall|status|serve|list|info|dump|debug|gc|handle [flags]"

var longUsage = `usage: quirk corehook VERB [flags]

  install [--store DIR] [--config FILE] [--pipe-limit N] [--force] [--mode pipe|socket|auto] [--socket PATH]
                     save core_pattern, core_pipe_limit, suid_dumpable; install the handler
                     (socket: @@PATH on 6.17+, else @PATH; auto: socket if a server listens, else pipe)
  upload [--watch]     ship queued cores to the Upload = s3://… target (serve does this itself)
  serve [--socket PATH] [--register] [--syslog] [--max-dumps N] [--budget N]
                     take cores over the core_pattern socket (in the foreground)
  uninstall [--force]  restore the saved values byte for byte
  status [--json]      installed or not, saved values, changes since install
  list [--json]        stored crashes
  info ID [--json]     one crash; ID is an id, a pid or a comm (newest match)
  dump ID -o FILE      write the decompressed core (sparse)
  debug ID             run gdb on the executable and the core
  gc                   apply the store limits now
  handle ...           run by the kernel; not for people

common flags: --proc-root DIR (default /proc), --store DIR, --config FILE
`

// Command is "quirk corehook".
var Command = &base.Command{
	Name:      "corehook",
	UsageLine: Usage,
	Short:     "store cores centrally through core_pattern, and give the admin's pattern back",
	Run:       Main,
}

func init() {
	longUsage += "\n" + base.ExitStatusHelp("status: a problem (values changed since install, a dead server, …); list: no crash matched; upload: cores still queued")
}

// Main runs "quirk corehook" with inv.Args (after "corehook").
func Main(ctx context.Context, inv *base.Invocation) int {
	args, stdout, stderr := inv.Args, inv.Stdout, inv.Stderr
	if len(args) == 0 {
		fmt.Fprint(stderr, longUsage)
		return exitBadSyntax
	}
	verb, rest := args[0], args[1:]
	if base.IsHelp(verb) {
		fmt.Fprint(stdout, longUsage)
		return exitOK
	}
	if code, isFlag := inv.FlagBeforeVerb(args[0]); isFlag {
		return code
	}
	sub := inv.Sub(verb, rest)
	if verb == "handle" {
		// The kernel's arguments are positional and may look like flags
		// (a crasher names its own comm): no flag parsing here.
		err := corehook.RunHandler(rest)
		switch {
		case errors.Is(err, corehook.ErrHandlerArgs):
			sub.Errorf("%v", err)
			return exitBadSyntax
		case err != nil:
			return sub.Fail(err)
		}
		return exitOK
	}
	fs := flag.NewFlagSet("corehook "+verb, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), longUsage) }
	procRoot := fs.String("proc-root", "/proc", "procfs root (a fake one for tests)")
	store := fs.String("store", "", "store directory (default from the config, else "+corehook.DefaultStore+")")
	config := fs.String("config", "", "config file (default "+corehook.DefaultConfig+" if present)")
	force := fs.Bool("force", false, "replace another handler, or restore over a newcomer")
	pipeLimit := fs.Int("pipe-limit", corehook.DefaultPipeLimit, "core_pipe_limit to set on install")
	var qo queryOpts
	fs.Var(&qo.json, "json", "JSON output: pretty (also plain --json) or short")
	fs.StringVar(&qo.since, "since", "", "list: crashes at or after this time")
	fs.StringVar(&qo.until, "until", "", "list: crashes at or before this time")
	fs.BoolVar(&qo.last1, "1", false, "list, info: only the newest match")
	fs.IntVar(&qo.n, "n", 0, "list: only the newest N matches")
	fs.BoolVar(&qo.reverse, "r", false, "list: newest first")
	fs.BoolVar(&qo.noLegend, "no-legend", false, "list: no header line")
	fs.StringVar(&qo.debugger, "debugger", "", "debug: the debugger to run (default gdb)")
	fs.StringVar(&qo.debugArgs, "A", "", "debug: extra arguments for the debugger")
	mode := fs.String("mode", corehook.ModePipe, "install mode: pipe, socket or auto")
	socket := fs.String("socket", corehook.DefaultSocket, "the socket of corehook serve")
	register := fs.Bool("register", false, "serve: install the socket pattern on start, restore on exit")
	useSyslog := fs.Bool("syslog", false, "serve: log to syslog instead of stderr")
	maxDumps := fs.Int("max-dumps", 4, "serve: cores streamed at once")
	watch := fs.Bool("watch", false, "upload: keep draining the queue until interrupted")
	budgetN := fs.Int("budget", 64, "serve: dumps per minute before REJECT (-1: no limit)")
	fs.StringVar(&qo.out, "o", "", "dump: output file, - for standard output")
	operands, dashed, code, ok := sub.Parse(fs, rest)
	if !ok {
		return code
	}
	operands = append(operands, dashed...)
	cfg, err := corehook.LoadConfig(*config)
	if err != nil {
		// install and gc act on the config's values; the other verbs
		// must keep working on a broken one (uninstall above all).
		if verb == "install" || verb == "gc" {
			inv.Errorf("%v", err)
			return exitBadOptions
		}
		sub.Errorf("warning: %v (using the defaults for it)", err)
	}
	if verb != "serve" {
		for _, w := range cfg.Warnings {
			sub.Errorf("warning: config %s", w)
		}
	}
	storeSet := *store != ""
	if storeSet {
		cfg.Store = *store
	}
	fail := sub.Fail
	switch verb {
	case "install":
		if len(operands) != 0 {
			return sub.UsageError("unexpected argument %q", operands[0])
		}
		limit := *pipeLimit
		switch {
		case limit < 0:
			return sub.UsageError("--pipe-limit %d is negative", limit)
		case limit == 0:
			limit = corehook.NoPipeLimit // 0 is a value, not "the default"
		}
		res, err := corehook.Install(corehook.InstallOptions{ProcRoot: *procRoot, Store: cfg.Store, Config: *config, PipeLimit: limit, Force: *force, StoreFromConfig: !storeSet, Mode: *mode, Socket: *socket})
		if err != nil {
			return fail(err)
		}
		if res.AlreadyInstalled {
			fmt.Fprintf(stdout, "already installed: %s\n", res.Pattern)
			return exitOK
		}
		fmt.Fprintf(stdout, "installed: %s\n", res.Pattern)
		for _, v := range res.State.Previous {
			fmt.Fprintf(stdout, "saved %s = %q\n", v.Knob, v.Value)
		}
		return exitOK
	case "uninstall":
		res, err := corehook.Uninstall(*procRoot, cfg.Store, *force)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "restored %s\n", strings.Join(res.Restored, ", "))
		return exitOK
	case "status":
		st, err := corehook.GetStatus(*procRoot, cfg.Store)
		if err != nil {
			return fail(err)
		}
		st.Storm = corehook.GetStormStatus(cfg)
		if cfg.Upload != "" {
			us, err := corehook.UploadSpool(cfg).Stats()
			if err != nil {
				return fail(err)
			}
			st.Upload = &us
		}
		if qo.json.on() {
			if err := qo.json.write(stdout, st); err != nil {
				return fail(err)
			}
			return exitOK
		}
		printStatus(stdout, st)
		if st.Upload != nil {
			u := st.Upload
			fmt.Fprintf(stdout, "upload: %s, %d queued of at most %d, %d failing", cfg.Upload, u.Queued, u.Capacity, u.Failing)
			if !u.Oldest.IsZero() {
				fmt.Fprintf(stdout, ", oldest queued %s", u.Oldest.Format(time.RFC3339))
			}
			if u.LastErr != "" {
				fmt.Fprintf(stdout, ", last error: %s", u.LastErr)
			}
			fmt.Fprintln(stdout)
		}
		if st.ChangedSinceInstall || st.ServerDead || len(st.Problems) > 0 {
			return exitFindings
		}
		return exitOK
	case "upload":
		if cfg.Upload == "" {
			return fail(errors.New("the config has no Upload = s3://bucket/prefix"))
		}
		t, err := corehook.UploadTarget(cfg)
		if err != nil {
			return fail(err)
		}
		up := &upload.Uploader{Spool: corehook.UploadSpool(cfg), Target: t, Log: func(s string) { fmt.Fprintln(stdout, s) }}
		if *watch {
			err = up.Run(ctx, 5*time.Second)
		} else {
			_, err = up.RunOnce(ctx)
		}
		if err != nil {
			return fail(err)
		}
		us, err := up.Spool.Stats()
		if err != nil {
			return fail(err)
		}
		if us.Queued > 0 {
			fmt.Fprintf(stdout, "%d still queued (%d failing)\n", us.Queued, us.Failing)
			return exitFindings
		}
		return exitOK
	case "serve":
		if len(operands) != 0 {
			return sub.UsageError("unexpected argument %q", operands[0])
		}
		logf, closeLog, err := serveLog(stderr, *useSyslog)
		if err != nil {
			return fail(err)
		}
		defer closeLog()
		storeFlag := ""
		if storeSet {
			storeFlag = cfg.Store
		}
		err = server.Run(ctx, server.RunOptions{
			Options: server.Options{Config: *config, Store: storeFlag, ProcRoot: *procRoot, MaxDumps: *maxDumps, BudgetDumps: *budgetN, Log: logf},
			Socket:  *socket, Register: *register, PipeLimit: *pipeLimit, Force: *force,
		})
		if err != nil {
			return fail(err)
		}
		return exitOK
	}
	return runQuery(sub, operands, cfg, qo)
}

func printStatus(w io.Writer, st *corehook.Status) {
	if st.Installed {
		fmt.Fprintf(w, "installed: %s\n", st.Current)
	} else {
		fmt.Fprintf(w, "not installed; core_pattern = %q\n", st.Current)
	}
	if st.ServerDead {
		fmt.Fprintf(w, "warning: nothing listens on %s: the kernel cannot connect, so every crash is lost; start \"quirk corehook serve\" or run uninstall\n", st.Socket)
	} else if st.Socket != "" {
		fmt.Fprintf(w, "server: listening on %s\n", st.Socket)
	}
	for _, p := range st.Problems {
		fmt.Fprintf(w, "problem: %s\n", p)
	}
	if ss := st.Storm; ss != nil {
		if c := ss.Counters; c != nil {
			fmt.Fprintf(w, "storm: %s: received %d, stored %d, metadata only %d (deduplicated %d, rate-limited %d, no writer slot %d), dropped %d (handler died %d), in flight %d, owner-died repairs %d\n",
				ss.File, c.Received, c.Stored, c.MetadataOnly, c.Deduplicated, c.RateLimited, c.NoSlot, c.Dropped, c.HandlerDied, c.InFlight, c.Repairs)
		}
		if ss.Note != "" {
			fmt.Fprintf(w, "storm: %s: %s\n", ss.File, ss.Note)
		}
	}
	if st.State == nil {
		return
	}
	fmt.Fprintf(w, "state: %s (installed %s by %s)\n", st.StateFile, st.State.InstalledAt.Format("2006-01-02 15:04:05Z"), st.State.Binary)
	for _, k := range st.Knobs {
		mark := ""
		if k.Changed {
			mark = "  CHANGED since install"
		}
		fmt.Fprintf(w, "  %-22s previous %q, now %q%s\n", k.Knob, k.Value, k.Current, mark)
	}
	if st.ChangedSinceInstall {
		fmt.Fprintln(w, "warning: someone changed these values after install; uninstall will not clobber them without --force")
	}
}
