package expand

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ScriptCase is a whole script run with $0=Arg0 and positional Args.
type ScriptCase struct {
	Script, Arg0 string
	Args         []string
}

// EvalScripts runs each script under one engine, one process per script
// (a script may exit, trap or read, which a shared process could not
// isolate faithfully). Results carry Stdout, Stderr and Status; Fields stay
// nil. The error is for the engine as a whole, as in EvalWords.
func EvalScripts(ctx context.Context, engine string, cases []ScriptCase, opts Options) ([]Result, error) {
	if engine == Mvdan {
		dir, cleanup, err := mvdanDir(opts)
		if err != nil {
			return nil, fmt.Errorf("mvdan: %w", err)
		}
		defer cleanup()
		results := make([]Result, len(cases))
		for i, c := range cases {
			r := &results[i]
			r.Engine, r.Path, r.Version = Mvdan, "mvdan.cc/sh/v3/interp (in process)", MvdanVersion()
			if !opts.AllowExec {
				if err := CheckNoExec(c.Script); err != nil {
					r.Err, r.Status = err, -1
					continue
				}
			}
			r.Status, r.Stdout, r.Stderr, r.Err = runMvdan(ctx, c.Script, arg0Of(c.Arg0), c.Args, dir, opts, nil)
		}
		return results, nil
	}
	sh, sb, err := openShell(engine, opts)
	if err != nil {
		return nil, err
	}
	defer sb.cleanup()
	results := make([]Result, len(cases))
	for i, c := range cases {
		r := &results[i]
		r.Engine, r.Path, r.Version = sh.Name, sh.Path, sh.Version
		if strings.ContainsRune(c.Script+c.Arg0+strings.Join(c.Args, ""), 0) {
			r.Err, r.Status = fmt.Errorf("a NUL byte cannot be passed to a shell"), -1
			continue
		}
		if !opts.AllowExec {
			if err := CheckNoExec(c.Script); err != nil {
				r.Err, r.Status = err, -1
				continue
			}
		}
		if i > 0 {
			if err := sb.freshWork(); err != nil {
				return nil, fmt.Errorf("sandbox: %w", err)
			}
		}
		start := time.Now()
		out, err := sb.run(ctx, sh.command(c.Script, opts, arg0Of(c.Arg0), c.Args...))
		r.Elapsed = time.Since(start)
		r.Notes = sb.notes
		if err != nil {
			r.Err, r.Status = err, -1
			continue
		}
		r.Stdout, r.Stderr, r.Status = string(out.stdout), string(out.stderr), out.status
		if out.timedOut {
			r.Err, r.Status = fmt.Errorf("%w after %s", ErrTimeout, opts.timeout()), -1
		}
	}
	return results, nil
}

func arg0Of(s string) string {
	if s == "" {
		return DefaultArg0
	}
	return s
}

// linkCommands puts the named system commands on the sandbox's PATH. They
// run under the same limits and confinement as the shell.
func (sb *sandbox) linkCommands(names []string) error {
	for _, name := range names {
		if strings.Contains(name, "/") {
			return fmt.Errorf("command %q: give a name, not a path", name)
		}
		path, err := lookSystemPath(name)
		if err != nil {
			continue // absent here: the case will report "not found"
		}
		if err := os.Symlink(path, filepath.Join(sb.bin, name)); err != nil && !os.IsExist(err) {
			return err
		}
	}
	return nil
}

// lookSystemPath finds a command in the standard system directories only,
// never in the caller's PATH.
func lookSystemPath(name string) (string, error) {
	for _, dir := range []string{"/usr/local/bin", "/usr/bin", "/bin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}
