package shellcheck

import (
	"bytes"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"github.com/quirkcheck/quirk/shellcheck/rules"
	"mvdan.cc/sh/v3/syntax"
)

// MaxSize is the largest script quirk reads. Real scripts are far smaller;
// the limit keeps a mistaken argument (a log, a disk image) from eating memory.
const MaxSize = 64 << 20

// Options select what Check reports. The zero value checks with every rule
// at every severity, detecting the dialect from the script.
type Options struct {
	Dialect     analysis.Dialect     // forced dialect (--shell); Unknown detects it
	MinSeverity analysis.Severity    // report only this severe or more; 0 means style
	Include     []string             // only these IDs or names, when not empty
	Exclude     []string             // never these IDs or names
	TargetBash  int                  // oldest bash to support, major*100+minor; 0 for none
	Analyzers   []*analysis.Analyzer // nil means Registry()
}

// Result is the outcome of checking one file.
type Result struct {
	Filename    string
	Src         []byte
	Dialect     analysis.Dialect
	Diagnostics []analysis.Diagnostic // sorted by position
}

// InputError is a file that could not be checked: unreadable, binary, too
// large, or not parseable even in part. Line and Col are 1-based when known.
type InputError struct {
	Filename  string
	Line, Col int
	Msg       string
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.Filename, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Filename, e.Msg)
}

// Directive hygiene is reported by the checker itself.
var (
	BadDirective = &analysis.Analyzer{
		ID:       "QK5900",
		Name:     "malformed-directive",
		Severity: analysis.Warning,
		Builtin:  true,
		URL:      analysis.DocURL("QK5900"),
		Doc: `malformed quirk directive

A "# quirk disable=…" directive must name known checks and give a reason after
" -- ", so the next reader knows why the finding was accepted. A directive
with no reason still applies, but is reported.

Bad:
    # quirk disable=QK5001
Good:
    # quirk disable=QK5001 -- bash -c style wrapper, $0 is the first user word`,
		Hint: `write # quirk disable=QKnnnn -- reason`,
	}
	UnusedDirective = &analysis.Analyzer{
		ID:       "QK5901",
		Name:     "unused-directive",
		Severity: analysis.Info,
		Builtin:  true,
		URL:      analysis.DocURL("QK5901"),
		Doc: `quirk directive that suppresses nothing

A directive that no longer matches a finding hides the next real one on that
line later on. Remove it.

Bad:
    # quirk disable=QK5011 -- old reason
    echo "$@"
Good:
    echo "$@"`,
		Hint: `remove the directive`,
	}
)

// Registry is every analyzer quirk knows, rules and builtins, in ID order.
func Registry() []*analysis.Analyzer {
	return append(rules.All(), BadDirective, UnusedDirective, SkippedCode, NotUTF8)
}

// registry is Registry built once, for Check, which runs per file; callers
// of Registry get their own copy to change.
var registry = sync.OnceValue(Registry)

// Lookup finds an analyzer by ID (QK5001, 5001) or name.
func Lookup(key string) *analysis.Analyzer { return lookupIn(Registry(), key) }

// ForShellCheckCode returns the checks that warn about the same constructs
// as ShellCheck's code or range ("SC2068", "2068", "SC2000-SC2199"), as a
// "# shellcheck disable=" of it reads them; "SC5001" is QK5001.
func ForShellCheckCode(code string) []*analysis.Analyzer {
	var out []*analysis.Analyzer
	eachShellCheckMatch(code, registry(), func(a *analysis.Analyzer, _ string) {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	})
	return out
}

func lookupIn(all []*analysis.Analyzer, key string) *analysis.Analyzer {
	key = strings.TrimSpace(key)
	for _, a := range all {
		if strings.EqualFold(a.ID, key) || a.Name == key || strings.TrimPrefix(a.ID, "QK") == key {
			return a
		}
	}
	return nil
}

// Check checks one script. It returns an *InputError for input it cannot
// check; it never panics on any input (a rule that panics becomes an error
// naming the rule and position, so one bad rule cannot take the run down).
func Check(filename string, src []byte, opts Options) (res *Result, err error) {
	if err := validateInput(filename, src); err != nil {
		return nil, err
	}
	orig := src
	src, badByte := sanitizeUTF8(src)
	dialect, origin := opts.Dialect, analysis.FromDirective
	if dialect == analysis.Unknown {
		dialect, origin = analysis.DetectDialectOrigin(filename, src)
	}
	effective := dialect
	if effective == analysis.Unknown {
		effective = analysis.Bash // ShellCheck refuses; bash is the common case
	}
	pr, err := parseScript(filename, src, effective)
	if err != nil {
		return nil, parseInputError(filename, err)
	}
	file, src := pr.file, pr.src
	// A .sh name or nothing at all is a weak hint: a library sourced by
	// bash programs is often called x.sh and has no shebang. Its content
	// decides, and the findings say what was assumed.
	var assumed string
	if origin == analysis.FromExtension && effective == analysis.Sh || origin == analysis.FromNothing {
		if node, what := analysis.BashOnlySyntax(file); node != nil {
			line, _ := LineCol(src, int(node.Pos().Offset()))
			effective = analysis.Bash
			assumed = fmt.Sprintf("read as bash: no shebang, and line %d has %s", line, what)
		} else if origin == analysis.FromNothing {
			assumed = "read as bash: no shebang"
		} else {
			assumed = "read as POSIX sh: a .sh file with no shebang and no bash syntax"
		}
	}
	res = &Result{Filename: filename, Src: orig, Dialect: effective}
	known := opts.Analyzers
	if known == nil {
		known = registry()
	}
	enabled := selectAnalyzers(known, opts)
	index := analysis.NewIndex(file, src)
	var diags []analysis.Diagnostic
	for _, a := range enabled {
		if a.Builtin || !a.AppliesTo(effective) {
			continue
		}
		pass := &analysis.Pass{
			Analyzer: a, File: file, Src: src, Filename: filename, Dialect: effective,
			Index: index, TargetBash: opts.TargetBash,
			Report: func(d analysis.Diagnostic) {
				if d.Expr != "" && a.Probe == nil {
					// A finding --confirm could evaluate but would have no
					// way to judge: fail loudly (every rule test does),
					// never drop it silently.
					panic(a.ID + " reports an expression for --confirm but has no Probe")
				}
				for _, c := range d.ShellCheck {
					if !slices.Contains(a.ShellCheck, c) {
						panic(a.ID + " reports ShellCheck code " + c + ", which its analyzer does not list")
					}
				}
				d.Analyzer = a
				if d.Severity == 0 {
					d.Severity = a.Severity
				}
				diags = append(diags, d)
			},
		}
		if err := runRecovered(pass); err != nil {
			return nil, err
		}
	}
	isEnabled := func(a *analysis.Analyzer) bool { return slices.Contains(enabled, a) }
	if assumed != "" {
		for i := range diags {
			diags[i].Message += " (" + assumed + ")"
		}
	}
	if isEnabled(SkippedCode) {
		diags = append(diags, pr.skippedDiagnostics(func(off int) int { line, _ := LineCol(src, off); return line })...)
	}
	if badByte >= 0 && isEnabled(NotUTF8) {
		line, col := LineCol(orig, badByte)
		diags = append(diags, analysis.Diagnostic{
			Start: badByte, End: badByte + 1, Analyzer: NotUTF8, Severity: NotUTF8.Severity,
			Message: fmt.Sprintf("not valid UTF-8 (byte 0x%02x at line %d, column %d; Latin-1?): checked with each such byte read as one unknown character; convert it, e.g. iconv -f latin1 -t utf-8", orig[badByte], line, col),
		})
	}
	diags = applyDirectives(file, src, diags, known, isEnabled)
	if len(pr.inserted) > 0 {
		for i := range diags {
			d := &diags[i]
			d.Start, d.End = pr.origOffset(d.Start), pr.origOffset(d.End)
			for j := range d.Fixes {
				for k := range d.Fixes[j].Edits {
					e := &d.Fixes[j].Edits[k]
					e.Start, e.End = pr.origOffset(e.Start), pr.origOffset(e.End)
				}
			}
		}
	}
	minSev := opts.MinSeverity
	if minSev == 0 {
		minSev = analysis.Style
	}
	diags = slices.DeleteFunc(diags, func(d analysis.Diagnostic) bool { return d.Severity > minSev })
	slices.SortStableFunc(diags, func(a, b analysis.Diagnostic) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return strings.Compare(a.Analyzer.ID, b.Analyzer.ID)
	})
	res.Diagnostics = diags
	return res, nil
}

// parseInputError turns a parse error into an InputError with a position.
func parseInputError(filename string, err error) *InputError {
	ie := &InputError{Filename: filename, Msg: "parse error: " + err.Error()}
	var perr syntax.ParseError
	var lerr syntax.LangError
	switch {
	case errors.As(err, &perr):
		ie.Line, ie.Col = int(perr.Pos.Line()), int(perr.Pos.Col())
		ie.Msg = "parse error: " + perr.Text
	case errors.As(err, &lerr):
		// "floating point arithmetic is a zsh feature; tried parsing
		// as bash": a shebang or --shell may be all that is missing.
		ie.Line, ie.Col = int(lerr.Pos.Line()), int(lerr.Pos.Col())
		ie.Msg = "parse error: " + strings.TrimPrefix(lerr.Error(), lerr.Filename+":"+lerr.Pos.String()+": ") + " (set the dialect with a shebang or --shell)"
	}
	return ie
}

func runRecovered(pass *analysis.Pass) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &InputError{Filename: pass.Filename, Msg: fmt.Sprintf("internal error in %s: %v (please report this with the script)\n%s", pass.Analyzer.ID, r, debug.Stack())}
		}
	}()
	pass.Analyzer.Run(pass)
	return nil
}

func selectAnalyzers(all []*analysis.Analyzer, opts Options) []*analysis.Analyzer {
	matches := func(a *analysis.Analyzer, keys []string) bool {
		for _, k := range keys {
			if lookupIn(all, k) == a {
				return true
			}
		}
		return false
	}
	if len(opts.Include) == 0 && len(opts.Exclude) == 0 {
		return all // the common case: no copy per file
	}
	var out []*analysis.Analyzer
	for _, a := range all {
		if len(opts.Include) > 0 && !matches(a, opts.Include) && !a.Builtin {
			continue
		}
		if matches(a, opts.Exclude) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// validateInput rejects what cannot be a shell script, with a reason a user
// can act on.
func validateInput(filename string, src []byte) error {
	if len(src) > MaxSize {
		return &InputError{Filename: filename, Msg: fmt.Sprintf("file is %d MiB; quirk checks scripts up to %d MiB", len(src)>>20, MaxSize>>20)}
	}
	head := src[:min(len(src), 8<<10)]
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return &InputError{Filename: filename, Msg: fmt.Sprintf("binary file (NUL byte at offset %d), not a shell script", i)}
	}
	if i := bytes.Index(src, []byte("\r\n")); i >= 0 {
		line, _ := LineCol(src, i)
		return &InputError{Filename: filename, Line: line, Col: 1, Msg: `CRLF line endings: bash reads the \r as part of each last word ("$'\r': command not found"); convert with dos2unix or sed -i 's/\r$//'`}
	}
	return nil
}

// LineCol converts a byte offset to a 1-based line and a 1-based column
// counted in characters, a tab being one column (ShellCheck's json1 rule).
func LineCol(src []byte, off int) (line, col int) {
	off = min(max(off, 0), len(src))
	line = 1 + bytes.Count(src[:off], []byte{'\n'})
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	return line, 1 + utf8.RuneCount(src[start:off])
}
