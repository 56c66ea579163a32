package expand

import (
	"context"
	"fmt"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"os"
	"path/filepath"

	"github.com/quirkcheck/quirk/expand"
	"github.com/quirkcheck/quirk/expand/spec"
)

// spec is "quirk expand --spec PATH": Oils spec files judged per engine,
// mvdan/bash divergences checked against the manifest.
func (o *runner) spec(ctx context.Context, path string, engines []string, opts expand.Options) int {
	var paths []string
	if st, err := os.Stat(path); err != nil {
		fmt.Fprintf(o.stderr, "quirk expand: %v\n", err)
		return ExitError
	} else if st.IsDir() {
		paths, _ = filepath.Glob(filepath.Join(path, "*.test.sh"))
		if len(paths) == 0 {
			fmt.Fprintf(o.stderr, "quirk expand: no *.test.sh files in %s\n", path)
			return ExitError
		}
	} else {
		paths = []string{path}
	}
	var files []*spec.File
	for _, p := range paths {
		f, err := spec.ParseFile(p)
		if err != nil {
			fmt.Fprintf(o.stderr, "quirk expand: %v\n", err)
			return ExitError
		}
		files = append(files, f)
	}
	n := 0
	for _, f := range files {
		n += len(f.Cases)
	}
	if n == 0 {
		// Nothing ran, so nothing was shown to agree.
		fmt.Fprintf(o.stderr, "quirk expand: %s: no spec cases (#### lines) found\n", path)
		return ExitError
	}
	rep, err := spec.Run(ctx, files, engines, opts)
	if base.Interrupted(ctx) {
		fmt.Fprintf(o.stderr, "quirk expand: interrupted\n")
		return ExitError
	}
	if err != nil {
		fmt.Fprintf(o.stderr, "quirk expand: %v\n", err)
		return ExitError
	}
	unexpected, _ := rep.Check(spec.DefaultKnown())
	if o.json {
		o.writeJSON(struct {
			*spec.Report
			Unexpected []spec.Divergence `json:"unexpected_divergences"`
		}{rep, unexpected})
	} else {
		spec.WriteCases(o.stdout, rep)
		fmt.Fprintln(o.stdout)
		spec.WriteSummary(o.stdout, rep)
		if len(unexpected) > 0 {
			fmt.Fprintf(o.stdout, "%d divergences not in the manifest (expand/spec/known-divergences.txt):\n", len(unexpected))
			for _, d := range unexpected {
				fmt.Fprintf(o.stdout, "  %s\n", d)
			}
		}
		o.printNotes()
	}
	if len(unexpected) > 0 {
		return ExitDiffer
	}
	return ExitAgree
}
