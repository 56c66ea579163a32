// Package withshellcheck runs the real ShellCheck next to quirk and merges
// its findings into quirk's result ("quirk check --with-shellcheck", the
// LSP setting quirk.withShellcheck): one stream, in every format, with
// ShellCheck's own codes. A ShellCheck finding that says what a quirk
// finding says, on an overlapping range (SC2124 beside QK5008 on x=$@),
// is not repeated: the quirk finding names both codes.
package withshellcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// Runner runs one ShellCheck binary.
type Runner struct {
	Path string // empty: "shellcheck" on PATH
}

// ErrNotInstalled is returned when there is no ShellCheck to run.
var ErrNotInstalled = errors.New("shellcheck is not installed (--with-shellcheck needs it on PATH)")

// Available returns the ShellCheck that Merge would run.
func (r Runner) Available() (string, error) { return r.path() }

func (r Runner) path() (string, error) {
	p := r.Path
	if p == "" {
		p = "shellcheck"
	}
	found, err := exec.LookPath(p)
	if err != nil {
		return "", ErrNotInstalled
	}
	// quirk linked as shellcheck (the drop-in) would report its own
	// findings twice under SC codes.
	if self, err := os.Executable(); err == nil && sameFile(self, found) {
		return "", fmt.Errorf("%s is quirk itself, not ShellCheck", found)
	}
	return found, nil
}

func sameFile(a, b string) bool {
	ia, err1 := os.Stat(a)
	ib, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(ia, ib)
}

// shell is ShellCheck's name for a dialect; zsh has none (ShellCheck
// refuses zsh scripts), so they get quirk's findings only.
func shell(d analysis.Dialect) string {
	switch d {
	case analysis.Bash:
		return "bash"
	case analysis.Sh:
		return "sh"
	case analysis.Ksh, analysis.Mksh:
		return "ksh"
	}
	return ""
}

type json1 struct {
	Comments []struct {
		Line, EndLine, Column, EndColumn int
		Level                            string
		Code                             int
		Message                          string
		Fix                              *struct {
			Replacements []struct {
				Line, EndLine, Column, EndColumn int
				Replacement                      string
			}
		}
	}
}

// Merge runs ShellCheck on res's source (from the script's directory, so
// that its .shellcheckrc applies) and merges its findings into
// res.Diagnostics, sorted by position.
func (r Runner) Merge(ctx context.Context, res *shellcheck.Result) error {
	sh := shell(res.Dialect)
	if sh == "" {
		return nil
	}
	bin, err := r.path()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, "--format=json1", "--shell="+sh, "-")
	if dir := filepath.Dir(res.Filename); res.Filename != "-" {
		if info, err := os.Stat(dir); err == nil && info.IsDir() {
			cmd.Dir = dir // an editor's unsaved buffer may have none yet
		}
	}
	cmd.Stdin = bytes.NewReader(res.Src)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		return fmt.Errorf("shellcheck: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var out json1
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return fmt.Errorf("shellcheck: reading its json1: %v", err)
	}
	lines := newLines(res.Src)
	for _, c := range out.Comments {
		d := analysis.Diagnostic{
			Analyzer: analyzerFor(c.Code),
			Start:    lines.offset(c.Line, c.Column),
			End:      lines.offset(c.EndLine, c.EndColumn),
			Message:  c.Message,
		}
		if d.Severity, err = analysis.ParseSeverity(c.Level); err != nil {
			d.Severity = analysis.Warning
		}
		if c.Fix != nil && len(c.Fix.Replacements) > 0 {
			fix := analysis.SuggestedFix{Message: "apply ShellCheck's fix"}
			for _, rep := range c.Fix.Replacements {
				fix.Edits = append(fix.Edits, analysis.TextEdit{Start: lines.offset(rep.Line, rep.Column), End: lines.offset(rep.EndLine, rep.EndColumn), NewText: rep.Replacement})
			}
			slices.SortFunc(fix.Edits, func(a, b analysis.TextEdit) int { return a.Start - b.Start })
			d.Fixes = []analysis.SuggestedFix{fix}
		}
		if i := sameFinding(res.Diagnostics, d); i >= 0 {
			q := &res.Diagnostics[i]
			q.Message += " (ShellCheck " + d.Code() + " says the same)"
			continue
		}
		res.Diagnostics = append(res.Diagnostics, d)
	}
	slices.SortStableFunc(res.Diagnostics, func(a, b analysis.Diagnostic) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return strings.Compare(a.Code(), b.Code())
	})
	return nil
}

// sameFinding finds the quirk diagnostic that d repeats: one whose check
// names d's ShellCheck code as a warning about the same construct, on an
// overlapping range.
func sameFinding(diags []analysis.Diagnostic, d analysis.Diagnostic) int {
	for i, q := range diags {
		if strings.HasPrefix(q.Code(), "SC") || !slices.Contains(q.ShellCheckCodes(), d.Code()) {
			continue
		}
		if q.Start <= d.End && d.Start <= q.End {
			return i
		}
	}
	return -1
}

var (
	analyzersMu sync.Mutex
	analyzers   = map[string]*analysis.Analyzer{}
)

// analyzerFor is the stand-in analyzer for one ShellCheck code: the
// formatters read a finding's ID, URL and title from its analyzer.
func analyzerFor(code int) *analysis.Analyzer {
	id := "SC" + strconv.Itoa(code)
	analyzersMu.Lock()
	defer analyzersMu.Unlock()
	if a := analyzers[id]; a != nil {
		return a
	}
	a := &analysis.Analyzer{
		ID:       id,
		Name:     strings.ToLower(id),
		Doc:      "ShellCheck " + id + "\n\nReported by ShellCheck; see its wiki page.",
		Hint:     "see https://www.shellcheck.net/wiki/" + id,
		Severity: analysis.Warning, // each finding carries ShellCheck's own level
		URL:      "https://www.shellcheck.net/wiki/" + id,
	}
	analyzers[id] = a
	return a
}

// lines converts ShellCheck's 1-based line and character columns (a tab
// is one column in json1) to byte offsets.
type lines struct {
	src    []byte
	starts []int
}

func newLines(src []byte) *lines {
	starts := []int{0}
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lines{src: src, starts: starts}
}

func (l *lines) offset(line, col int) int {
	if line < 1 {
		return 0
	}
	if line > len(l.starts) {
		return len(l.src)
	}
	off := l.starts[line-1]
	for n := 1; n < col && off < len(l.src) && l.src[off] != '\n'; n++ {
		_, size := utf8.DecodeRune(l.src[off:])
		off += size
	}
	return off
}
