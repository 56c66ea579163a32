// Package checktest runs an analyzer over annotated test scripts, the way
// golang.org/x/tools/go/analysis/analysistest does for Go.
//
// A comment "# want `regexp`" (or "regexp" in double quotes; several may
// follow each other) expects one diagnostic on the same line whose message
// matches; "# want +N `regexp`" expects it N lines further down, for lines
// that cannot carry a comment (here-document bodies). Every diagnostic must
// be expected and every expectation met. When a file NAME.golden exists
// beside a script, applying the first suggested fix of every diagnostic must
// give it; run the tests with -update to rewrite golden files. A .quirkrc in
// the test directory applies as it would for a user (e.g. target-bash = 3.2
// for a rule that needs a target), so a rule's test needs no code of its own.
package checktest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

var update = flag.Bool("update", false, "rewrite .golden files")

var wantRe = regexp.MustCompile("# want(?: \\+([0-9]+))?((?: +(?:`[^`]*`|\"(?:[^\"\\\\]|\\\\.)*\"))+)")
var patternRe = regexp.MustCompile("`[^`]*`|\"(?:[^\"\\\\]|\\\\.)*\"")

// Run checks every *.sh, *.bash, *.ksh and *.zsh file under dir (default
// "testdata") with analyzer a. opts sets everything else; settings it leaves
// unset come from .quirkrc files, as in "quirk check".
func Run(t *testing.T, dir string, a *analysis.Analyzer, opts shellcheck.Options) {
	t.Helper()
	if dir == "" {
		dir = "testdata"
	}
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch filepath.Ext(path) {
		case ".sh", ".bash", ".ksh", ".zsh":
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no test scripts under %s", dir)
	}
	for _, file := range files {
		t.Run(filepath.ToSlash(file), func(t *testing.T) { runFile(t, file, a, opts) })
	}
}

type expectation struct {
	line int
	re   *regexp.Regexp
	met  bool
}

func runFile(t *testing.T, file string, a *analysis.Analyzer, opts shellcheck.Options) {
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var loader shellcheck.ConfigLoader
	cfg, err := loader.ForFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if opts.TargetBash == 0 {
		opts.TargetBash = cfg.TargetBash
	}
	if opts.Dialect == analysis.Unknown {
		opts.Dialect = cfg.Shell
	}
	opts.Include = []string{a.ID}
	res, err := shellcheck.Check(file, src, opts)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	wants := parseWants(t, src)
	for _, d := range res.Diagnostics {
		if d.Analyzer != a && d.Analyzer != shellcheck.BadDirective && d.Analyzer != shellcheck.UnusedDirective {
			continue
		}
		line, col := shellcheck.LineCol(src, d.Start)
		matched := false
		for _, w := range wants {
			if !w.met && w.line == line && w.re.MatchString(d.Message) {
				w.met, matched = true, true
				break
			}
		}
		if !matched {
			t.Errorf("%s:%d:%d: unexpected diagnostic %s: %s", file, line, col, d.Code(), d.Message)
		}
	}
	for _, w := range wants {
		if !w.met {
			t.Errorf("%s:%d: no diagnostic matched %s", file, w.line, w.re)
		}
	}
	checkGolden(t, file, src, res)
}

func parseWants(t *testing.T, src []byte) []*expectation {
	var wants []*expectation
	for i, line := range strings.Split(string(src), "\n") {
		m := wantRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		target := i + 1
		if m[1] != "" {
			n, _ := strconv.Atoi(m[1])
			target += n
		}
		for _, p := range patternRe.FindAllString(m[2], -1) {
			expr := p[1 : len(p)-1]
			if p[0] == '"' {
				var err error
				if expr, err = strconv.Unquote(p); err != nil {
					t.Fatalf("line %d: bad pattern %s: %v", i+1, p, err)
				}
			}
			re, err := regexp.Compile(expr)
			if err != nil {
				t.Fatalf("line %d: bad regexp %s: %v", i+1, p, err)
			}
			wants = append(wants, &expectation{line: target, re: re})
		}
	}
	return wants
}

func checkGolden(t *testing.T, file string, src []byte, res *shellcheck.Result) {
	golden := file + ".golden"
	var edits []analysis.TextEdit
	for _, d := range res.Diagnostics {
		if len(d.Fixes) > 0 {
			edits = append(edits, d.Fixes[0].Edits...)
		}
	}
	got, err := analysis.ApplyEdits(src, edits)
	if err != nil {
		t.Fatalf("applying fixes: %v", err)
	}
	if *update && len(edits) > 0 {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("fixes applied to %s differ from %s:\n--- got\n%s\n--- want\n%s", file, golden, got, want)
	}
}
