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
	sh, sb, err := openEngine(engine, opts)
	if err != nil {
		return nil, err
	}
	defer sb.cleanup()
	results := make([]Result, len(cases))
	for i, c := range cases {
		r := &results[i]
		r.Engine, r.Path, r.Version = sh.Name, sh.Path, sh.version()
		if err := admit(c.Script, append([]string{c.Arg0}, c.Args...), opts); err != nil {
			r.Err, r.Status = err, -1
			continue
		}
		if i > 0 {
			if err := sb.freshWork(); err != nil {
				return nil, fmt.Errorf("sandbox: %w", err)
			}
		}
		src, err := sb.scriptSource(c.Script, i)
		if err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		start := time.Now()
		out, err := sb.run(ctx, sh, sh.command(src, opts, c.Arg0, c.Args...), sh.environ(opts, false), false)
		r.Elapsed = time.Since(start)
		r.Notes = sb.notes
		if err != nil {
			r.Err, r.Status = err, -1
			continue
		}
		r.Stdout, r.Stderr, r.Status = string(out.stdout), string(out.stderr), out.status
		switch {
		case out.timedOut:
			r.Err, r.Status = fmt.Errorf("%w after %s", ErrTimeout, opts.timeout()), -1
		case sh.IsWorker() && out.status == workerPanicStatus:
			r.Err = diedErr(sh, out)
		}
	}
	return results, nil
}

// maxInlineScript is the largest script passed as the -c argument: Linux
// refuses a single argument over 128 KiB (MAX_ARG_STRLEN) with "argument
// list too long".
const maxInlineScript = 64 << 10

// scriptSource is what "-c" runs for a script: the script itself, or, when
// it is too long for one argument, ". FILE" on a copy in the sandbox (a
// top-level "return" then ends the file, as in any sourced file).
func (sb *sandbox) scriptSource(script string, n int) (string, error) {
	if len(script) <= maxInlineScript {
		return script, nil
	}
	path := filepath.Join(sb.root, fmt.Sprintf("script-%d.sh", n))
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return "", err
	}
	return ". " + shellQuote(path), nil
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
