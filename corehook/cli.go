package corehook

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes, the same as the quirk CLI's.
const (
	exitOK         = 0
	exitFindings   = 1
	exitFailure    = 2
	exitBadSyntax  = 3
	exitBadOptions = 4
)

// Usage is the one-line synopsis of "quirk corehook".
const Usage = "corehook install|uninstall|status|list|info|dump|debug|gc|handle [flags]"

const longUsage = `usage: quirk corehook VERB [flags]

  install [--store DIR] [--config FILE] [--pipe-limit N] [--force]
                     save core_pattern, core_pipe_limit, suid_dumpable; install the handler
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

// Main runs "quirk corehook" with args (after "corehook").
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, longUsage)
		return exitBadSyntax
	}
	verb, rest := args[0], args[1:]
	switch verb {
	case "handle":
		return runHandle(rest, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, longUsage)
		return exitOK
	}
	fs := flag.NewFlagSet("corehook "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	procRoot := fs.String("proc-root", "/proc", "procfs root (a fake one for tests)")
	store := fs.String("store", "", "store directory (default from the config, else "+DefaultStore+")")
	config := fs.String("config", "", "config file (default "+DefaultConfig+" if present)")
	force := fs.Bool("force", false, "replace another handler, or restore over a newcomer")
	pipeLimit := fs.Int("pipe-limit", DefaultPipeLimit, "core_pipe_limit to set on install")
	asJSON := fs.Bool("json", false, "JSON output")
	out := fs.String("o", "", "output file for dump")
	if err := fs.Parse(interleave(rest)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitBadSyntax
	}
	cfg, err := LoadConfig(*config)
	if err != nil {
		fmt.Fprintf(stderr, "quirk corehook: %v\n", err)
		return exitBadOptions
	}
	storeSet := *store != ""
	if storeSet {
		cfg.Store = *store
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "quirk corehook %s: %v\n", verb, err)
		return exitFailure
	}
	switch verb {
	case "install":
		if fs.NArg() != 0 {
			fmt.Fprintf(stderr, "quirk corehook install: unexpected argument %q\n", fs.Arg(0))
			return exitBadSyntax
		}
		res, err := Install(InstallOptions{ProcRoot: *procRoot, Store: cfg.Store, Config: *config, PipeLimit: *pipeLimit, Force: *force, StoreFromConfig: !storeSet})
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
		res, err := Uninstall(*procRoot, cfg.Store, *force)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "restored %s\n", strings.Join(res.Restored, ", "))
		return exitOK
	case "status":
		st, err := GetStatus(*procRoot, cfg.Store)
		if err != nil {
			return fail(err)
		}
		if *asJSON {
			return writeJSON(stdout, st)
		}
		printStatus(stdout, st)
		if st.ChangedSinceInstall {
			return exitFindings
		}
		return exitOK
	}
	return runQuery(verb, fs.Args(), cfg, *asJSON, *out, stdin, stdout, stderr)
}

// interleave moves flags before positional arguments so "info ID --json"
// works like "info --json ID" (the flag package stops at the first non-flag).
func interleave(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && takesValue[name] && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(append(flags, "--"), pos...)
}

var takesValue = map[string]bool{"proc-root": true, "store": true, "config": true, "pipe-limit": true, "o": true}

func writeJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return exitFailure
	}
	return exitOK
}

func printStatus(w io.Writer, st *Status) {
	if st.Installed {
		fmt.Fprintf(w, "installed: %s\n", st.Current)
	} else {
		fmt.Fprintf(w, "not installed; core_pattern = %q\n", st.Current)
	}
	if st.State == nil {
		return
	}
	fmt.Fprintf(w, "state: %s (installed %s by %s)\n", statePath(st.State.Store), st.State.InstalledAt.Format("2006-01-02 15:04:05Z"), st.State.Binary)
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
