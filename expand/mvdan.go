package expand

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	shexpand "mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// mvdanDir is a fresh directory holding opts.Files: the only place the
// mvdan engine may list, stat or read.
func mvdanDir(opts Options) (string, func(), error) {
	dir, err := os.MkdirTemp("", "quirk-mvdan-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	for _, name := range opts.Files {
		if name == "" || strings.Contains(name, "/") || name == "." || name == ".." {
			cleanup()
			return "", nil, fmt.Errorf("file name %q: must be a plain name inside the working directory", name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			cleanup()
			return "", nil, err
		}
	}
	return dir, cleanup, nil
}

func evalWordsMvdan(ctx context.Context, cases []WordCase, opts Options) ([]Result, error) {
	dir, cleanup, err := mvdanDir(opts)
	if err != nil {
		return nil, fmt.Errorf("mvdan: %w", err)
	}
	defer cleanup()
	version := MvdanVersion()
	results := make([]Result, len(cases))
	for i, c := range cases {
		r := &results[i]
		r.Engine, r.Path, r.Version = Mvdan, "mvdan.cc/sh/v3/interp (in process)", version
		if !opts.AllowExec {
			if err := checkCase(c); err != nil {
				r.Err, r.Status = err, -1
				continue
			}
		}
		src := "__quirk_emit " + c.Word
		if c.Setup != "" {
			src = c.Setup + "\n" + src
		}
		var fields []string
		emit := func(args []string) { fields = append([]string{}, args...) }
		arg0 := c.Arg0
		if arg0 == "" {
			arg0 = DefaultArg0
		}
		r.Status, r.Stdout, r.Stderr, r.Err = runMvdan(ctx, src, arg0, c.Args, dir, opts, emit)
		r.Fields = fields
	}
	return results, nil
}

// runMvdan runs src with mvdan.cc/sh's interpreter, sandboxed: explicit
// environment, no external commands, no writes, reads and globs only in
// dir, a time budget, and recover around the run. $0 is the parsed file's
// name; arguments go after "--" so leading dashes stay arguments. emit, when
// not nil, receives the arguments of each "__quirk_emit" call.
func runMvdan(ctx context.Context, src, arg0 string, args []string, dir string, opts Options, emit func([]string)) (status int, stdout, stderr string, err error) {
	var outBuf, errBuf bytes.Buffer
	out := &limitedWriter{w: &outBuf, n: maxStream}
	errw := &limitedWriter{w: &errBuf, n: maxStream}
	file, perr := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), arg0)
	if perr != nil {
		// bash reports a syntax error in eval with status 2, too.
		return 2, "", perr.Error() + "\n", nil
	}
	env := []string{"PATH=/nonexistent-quirk-path"}
	for _, kv := range opts.Env {
		if !strings.HasPrefix(kv, "PATH=") {
			env = append(env, strings.ReplaceAll(kv, WorkDir, dir))
		}
	}
	inside := func(path string) bool {
		rel, err := filepath.Rel(dir, path)
		return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
	}
	runner, err := interp.New(
		interp.Env(shexpand.ListEnviron(env...)),
		interp.Params(append([]string{"--"}, args...)...),
		interp.StdIO(nil, out, errw),
		interp.Dir(dir),
		interp.CallHandler(func(ctx context.Context, args []string) ([]string, error) {
			if args[0] == "__quirk_emit" && emit != nil {
				emit(args[1:])
				return []string{":"}, nil
			}
			return args, nil
		}),
		interp.ExecHandlers(func(next interp.ExecHandlerFunc) interp.ExecHandlerFunc {
			return func(ctx context.Context, args []string) error {
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
				for _, allowed := range opts.Commands {
					if args[0] == allowed && !strings.Contains(allowed, "/") {
						if path, err := lookSystemPath(allowed); err == nil {
							return next(ctx, append([]string{path}, args[1:]...))
						}
					}
				}
				fmt.Fprintf(hc.Stderr, "%s: command not found (external commands are disabled)\n", args[0])
				return interp.ExitStatus(127)
			}
		}),
		interp.OpenHandler(func(ctx context.Context, path string, flag int, perm os.FileMode) (io.ReadWriteCloser, error) {
			if path == os.DevNull {
				return interp.DefaultOpenHandler()(ctx, path, flag, perm)
			}
			if flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE|os.O_APPEND|os.O_TRUNC) != 0 {
				return nil, &fs.PathError{Op: "open", Path: path, Err: errors.New("writes are disabled in the sandbox")}
			}
			if !inside(path) {
				return nil, &fs.PathError{Op: "open", Path: path, Err: errors.New("outside the sandbox directory")}
			}
			return interp.DefaultOpenHandler()(ctx, path, flag, perm)
		}),
		interp.ReadDirHandler2(func(ctx context.Context, path string) ([]fs.DirEntry, error) {
			if !inside(path) {
				return nil, &fs.PathError{Op: "readdir", Path: path, Err: errors.New("outside the sandbox directory")}
			}
			return os.ReadDir(path)
		}),
		interp.StatHandler(func(ctx context.Context, name string, follow bool) (fs.FileInfo, error) {
			if !inside(name) {
				return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
			}
			return interp.DefaultStatHandler()(ctx, name, follow)
		}),
	)
	if err != nil {
		return 0, "", "", fmt.Errorf("mvdan: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	runErr := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%w: %v", ErrEnginePanic, p)
			}
		}()
		return runner.Run(ctx, file)
	}()
	stdout, stderr = outBuf.String(), errBuf.String()
	if runErr == nil {
		return 0, stdout, stderr, nil
	}
	var st interp.ExitStatus
	if errors.As(runErr, &st) {
		return int(st), stdout, stderr, nil
	}
	if errors.Is(runErr, ErrEnginePanic) {
		return -1, stdout, stderr, runErr
	}
	if ctx.Err() != nil {
		return -1, stdout, stderr, fmt.Errorf("%w after %s", ErrTimeout, opts.timeout())
	}
	// Other errors are fatal shell errors (e.g. an expansion error): a real
	// shell prints them and exits 1.
	return 1, stdout, stderr + runErr.Error() + "\n", nil
}

// limitedWriter keeps the first n bytes and drops the rest silently.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
		l.n -= k
	}
	return len(p), nil
}
