package expand

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	shexpand "mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// The mvdan engine is quirk's own executable re-run inside the sandbox as an
// engine worker, started exactly like a shell ("WORKER -c SRC ARG0 ARGS...")
// under the same user, namespaces, seccomp filter, cgroup and limits. So a
// spec case's commands, a memory blow-up or a panic in mvdan.cc/sh reach
// neither the quirk process nor the host.
//
// The worker is chosen by an environment variable, read by this package's
// init: a test binary and the quirk binary are workers alike, without a
// subcommand or a TestMain. Its value is a URL query of the worker's options.
const workerEnv = "QUIRK_EXPAND_WORKER"

func init() {
	if cfg, ok := os.LookupEnv(workerEnv); ok {
		os.Exit(workerMain(cfg, os.Args[1:]))
	}
}

// workerConfig is what the parent tells the worker besides the shell-like
// arguments.
type workerConfig struct {
	allowExec bool
	commands  []string // external commands allowed without allowExec
	records   bool     // fd 3 carries the batch record stream
}

func (c workerConfig) encode() string {
	v := url.Values{}
	if c.allowExec {
		v.Set("exec", "1")
	}
	if c.records {
		v.Set("records", "1")
	}
	for _, name := range c.commands {
		v.Add("cmd", name)
	}
	return v.Encode()
}

func decodeWorkerConfig(s string) (workerConfig, error) {
	v, err := url.ParseQuery(s)
	if err != nil {
		return workerConfig{}, err
	}
	return workerConfig{allowExec: v.Get("exec") == "1", records: v.Get("records") == "1", commands: v["cmd"]}, nil
}

// workerExecutable is the file the sandbox starts as the mvdan engine.
func workerExecutable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(exe)
}

// workerMain is the worker's whole life: args are "-c SRC ARG0 ARGS...".
// Its exit status is the script's, as a shell's would be; 2 is a syntax
// error, 70 an mvdan.cc/sh panic (with "engine panicked" on stderr).
func workerMain(cfgText string, args []string) int {
	cfg, err := decodeWorkerConfig(cfgText)
	if err != nil || len(args) < 3 || args[0] != "-c" {
		fmt.Fprintf(os.Stderr, "quirk engine worker: bad invocation %q\n", args)
		return 2
	}
	src, arg0, params := args[1], args[2], args[3:]
	// The sandbox started this executable through an inherited
	// descriptor (/proc/self/fd/N): nothing the script runs needs it.
	if n, ok := strings.CutPrefix(os.Args[0], "/proc/self/fd/"); ok {
		if fd, err := strconv.Atoi(n); err == nil && fd > 2 {
			_ = os.NewFile(uintptr(fd), "worker").Close()
		}
	}
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, workerEnv+"=") })
	dir, err := os.Getwd()
	if err != nil {
		dir = "/"
	}
	var records io.Writer
	if cfg.records {
		records = os.NewFile(3, "records")
	}
	return runWorker(context.Background(), cfg, src, arg0, params, env, dir, os.Stdin, os.Stdout, os.Stderr, records)
}

// runWorker runs src with mvdan.cc/sh's interpreter. The sandbox around the
// process is the guarantee; what is checked here only keeps the engine's
// behaviour the documented one: no external commands unless allowExec (or
// named in commands), as the refusal promises for word mode.
func runWorker(ctx context.Context, cfg workerConfig, src, arg0 string, params, env []string, dir string, stdin io.Reader, stdout, stderr io.Writer, records io.Writer) int {
	file, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), arg0)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2 // bash reports a syntax error in -c with status 2, too
	}
	var recMu sync.Mutex
	writeRecord := func(tokens ...string) {
		recMu.Lock()
		defer recMu.Unlock()
		var b strings.Builder
		for _, t := range tokens {
			b.WriteString(t)
			b.WriteByte(0)
		}
		_, _ = io.WriteString(records, b.String())
	}
	runner, err := interp.New(
		interp.Env(shexpand.ListEnviron(env...)),
		interp.Params(append([]string{"--"}, params...)...),
		interp.StdIO(stdin, stdout, stderr),
		interp.Dir(dir),
		interp.CallHandler(func(ctx context.Context, args []string) ([]string, error) {
			if records == nil || !strings.HasPrefix(args[0], "__quirk_") {
				return args, nil
			}
			// The batch's record functions (batch.go), done here because
			// mvdan.cc/sh cannot redirect to fd 3.
			hc := interp.HandlerCtx(ctx)
			switch {
			case args[0] == "__quirk_emit":
				writeRecord(append([]string{"n" + strconv.Itoa(len(args)-1)}, args[1:]...)...)
			case args[0] == "__quirk_begin" && len(args) == 2:
				writeRecord("c" + args[1])
				fmt.Fprint(hc.Stderr, markerPrefix+args[1]+"\x1f")
			case args[0] == "__quirk_end" && len(args) == 3:
				writeRecord("s"+args[1], "c"+args[2])
				fmt.Fprint(hc.Stderr, markerPrefix+args[2]+"\x1f")
			case args[0] == "__quirk_out" && len(args) == 2:
				fmt.Fprint(hc.Stdout, markerPrefix+args[1]+"\x1f")
			default:
				return args, nil
			}
			return []string{":"}, nil
		}),
		interp.ExecHandlers(func(next interp.ExecHandlerFunc) interp.ExecHandlerFunc {
			return func(ctx context.Context, args []string) error {
				if cfg.allowExec || slices.Contains(cfg.commands, args[0]) && !strings.Contains(args[0], "/") {
					return next(ctx, args)
				}
				hc := interp.HandlerCtx(ctx)
				switch args[0] {
				case "argv.py":
					fmt.Fprintln(hc.Stdout, PythonListRepr(args[1:]))
					return nil
				case "printenv.py":
					for _, name := range args[1:] {
						if vr := hc.Env.Get(name); vr.Exported && vr.IsSet() {
							fmt.Fprintln(hc.Stdout, vr.String())
						} else {
							fmt.Fprintln(hc.Stdout, "None")
						}
					}
					return nil
				}
				fmt.Fprintf(hc.Stderr, "%s: command not found (external commands are disabled)\n", args[0])
				return interp.ExitStatus(127)
			}
		}),
	)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	runErr := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%w: %v", ErrEnginePanic, p)
			}
		}()
		return runner.Run(ctx, file)
	}()
	var st interp.ExitStatus
	switch {
	case runErr == nil:
		return 0
	case errors.As(runErr, &st):
		return int(st)
	case errors.Is(runErr, ErrEnginePanic):
		fmt.Fprintln(stderr, runErr)
		return workerPanicStatus
	}
	// Other errors are fatal shell errors (e.g. an expansion error): a real
	// shell prints them and exits 1.
	fmt.Fprintln(stderr, runErr)
	return 1
}

// workerPanicStatus is the worker's exit status when mvdan.cc/sh panicked.
const workerPanicStatus = 70
