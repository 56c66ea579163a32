package shellcheck

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"mvdan.cc/sh/v3/syntax"
)

// The checker's tests run their own analyzers, not quirk's rules, so that
// adding, changing or removing a rule cannot break them (rules are tested
// in package rules, each over its own testdata).
var (
	testZero = &analysis.Analyzer{
		ID: "QK9001", Name: "test-slice-zero", Severity: analysis.Warning,
		Doc: "test: a list slice at offset 0\n\nbody", Hint: "hint",
		// Like QK5011: ShellCheck gives "$@" one code and "$*" another.
		ShellCheck: []string{"SC2068", "SC2048"},
		Run: func(p *analysis.Pass) {
			for _, ref := range p.Index.Lists {
				if sl := ref.Exp.Slice; sl != nil && p.Text(sl.Offset) == "0" {
					code := map[string]string{"@": "SC2068", "*": "SC2048"}[ref.Name()]
					p.Report(analysis.Diagnostic{Start: int(ref.Exp.Pos().Offset()), End: int(ref.Exp.End().Offset()), Message: "slice", ShellCheck: []string{code}})
				}
			}
		},
	}
	testNegative = &analysis.Analyzer{
		ID: "QK9002", Name: "test-negative-length", Severity: analysis.Error,
		Doc: "test: a negative list slice length\n\nbody", Hint: "hint",
		Run: func(p *analysis.Pass) {
			reportSlices(p, func(sl *syntax.Slice) bool { return sl.Length != nil && strings.HasPrefix(p.Text(sl.Length), "-") })
		},
	}
	testPosixOnly = &analysis.Analyzer{
		ID: "QK9003", Name: "test-posix-slice", Severity: analysis.Info, Dialects: []analysis.Dialect{analysis.Sh},
		Doc: "test: any list slice in sh\n\nbody", Hint: "hint",
		Run: func(p *analysis.Pass) { reportSlices(p, func(*syntax.Slice) bool { return true }) },
	}
	testAnalyzers = []*analysis.Analyzer{testZero, testNegative, testPosixOnly, BadDirective, UnusedDirective}
)

func reportSlices(p *analysis.Pass, match func(*syntax.Slice) bool) {
	for _, ref := range p.Index.Lists {
		if sl := ref.Exp.Slice; sl != nil && match(sl) {
			p.Reportf(ref.Exp, "slice %s", p.Text(ref.Exp))
		}
	}
}

func TestTestAnalyzersAreValid(t *testing.T) {
	if err := analysis.Validate(testAnalyzers); err != nil {
		t.Fatal(err)
	}
}

func codes(res *Result) []string {
	var out []string
	for _, d := range res.Diagnostics {
		line, _ := LineCol(res.Src, d.Start)
		out = append(out, fmt.Sprintf("%s@%02d", d.Code(), line))
	}
	return out
}

func TestInputErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		want      string
	}{
		{"binary", "#!/bin/sh\n\x00\x01ELF", 0, "binary file"},
		{"crlf", "#!/bin/sh\r\necho hi\r\n", 1, "CRLF line endings"},
		{"parse", "#!/bin/bash\nif true; then\necho \"${@:0}\"\n", 2, "`if` statement must end with `fi`"},
		{"zsh feature everywhere", "#!/bin/bash\n" + strings.Repeat("echo $((1.5 + 2))\n", maxSkipped+1), 2, "floating point arithmetic is a zsh feature; tried parsing as bash (set the dialect"},
		{"unclosed quote", "#!/bin/bash\necho 'abc\n", 2, "parse error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Check("f.sh", []byte(tt.src), Options{})
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("want an InputError, got %v", err)
			}
			if !strings.Contains(ie.Msg, tt.want) || ie.Filename != "f.sh" {
				t.Errorf("error %q does not name the file and say %q", err, tt.want)
			}
			if tt.line != 0 && ie.Line != tt.line {
				t.Errorf("error at line %d, want %d: %v", ie.Line, tt.line, err)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	src := bytes.Repeat([]byte("# padding\n"), MaxSize/10+1)
	_, err := Check("big.sh", src, Options{})
	if err == nil || !strings.Contains(err.Error(), "MiB") {
		t.Fatalf("want a size error, got %v", err)
	}
}

// A 10 MB generated script is checked, with the one finding at the right
// line. It runs a test analyzer, so no rule can change what it finds, and a
// failure prints a count and the first findings, never all of them.
func TestLargeScript(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("#!/bin/bash\n")
	for b.Len() < 10<<20 {
		b.WriteString("echo \"${@:1}\" \"$1\" plain words here to pad the line out a bit\n")
	}
	lines := bytes.Count(b.Bytes(), []byte("\n"))
	b.WriteString("echo \"${@:0}\"\n")
	res, err := Check("big.sh", b.Bytes(), Options{Analyzers: testAnalyzers})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Diagnostics); n != 1 || res.Diagnostics[0].Analyzer != testZero {
		t.Fatalf("got %d findings, want 1 of %s; the first: %v", n, testZero.ID, codes(res)[:min(n, 5)])
	}
	if line, _ := LineCol(res.Src, res.Diagnostics[0].Start); line != lines+1 {
		t.Errorf("finding at line %d, want %d", line, lines+1)
	}
}

func TestDetectDialect(t *testing.T) {
	tests := []struct {
		name, src string
		want      analysis.Dialect
	}{
		{"a.sh", "#!/bin/bash\n", analysis.Bash},
		{"a", "#!/usr/bin/env bash\n", analysis.Bash},
		{"a", "#!/usr/bin/env -S bash -e\n", analysis.Bash},
		{"a", "#! /bin/sh -e\n", analysis.Sh},
		{"a", "#!/bin/dash\n", analysis.Sh},
		{"a", "#!/bin/busybox ash\n", analysis.Sh},
		{"a", "#!/bin/ksh93\n", analysis.Ksh},
		{"a", "#!/bin/mksh\n", analysis.Mksh},
		{"a", "#!/usr/bin/zsh\n", analysis.Zsh},
		{"a.sh", "echo\n", analysis.Sh},
		{"a.bash", "echo\n", analysis.Bash},
		{"a.sh", "#!/bin/sh\n# shellcheck shell=bash\n", analysis.Bash},
		{"a.sh", "#!/bin/bash\n# quirk shell=dash\n", analysis.Sh},
		{"a", "echo\n", analysis.Unknown},
		{"a", "#!/usr/bin/python3\n", analysis.Unknown},
	}
	for _, tt := range tests {
		if got := analysis.DetectDialect(tt.name, []byte(tt.src)); got != tt.want {
			t.Errorf("DetectDialect(%q, %q) = %q, want %q", tt.name, tt.src, got, tt.want)
		}
	}
}

func TestDirectives(t *testing.T) {
	tests := []struct {
		name, src string
		want      string // codes@line, space-separated
	}{
		{"next statement",
			"#!/bin/bash\n# quirk disable=QK9001 -- deliberate\necho \"${@:0}\"\necho \"${@:0}\"\n",
			"QK9001@04"},
		{"every command on the next statement's lines, and its here-document",
			"#!/bin/bash\n# quirk disable=QK9001 -- deliberate\ncat <<EOF; echo \"${@:0}\"\n$(echo \"${@:0}\")\nEOF\necho \"${@:0}\"\n",
			"QK9001@06"},
		{"ShellCheck's directive: the next command only, as ShellCheck",
			"#!/bin/bash\necho\n# shellcheck disable=SC9001\necho; echo \"${@:0}\"\n",
			"QK5901@03 QK9001@04"},
		{"ShellCheck's directive after a command: honoured on the line, but it breaks ShellCheck",
			"#!/bin/bash\necho\necho \"${@:0}\" # shellcheck disable=SC9001\necho \"${@:0}\"\n",
			"QK5900@03 QK9001@04"},
		{"whole multi-line statement",
			"#!/bin/bash\n# quirk disable=QK9001 -- deliberate\nif true; then\n  echo \"${@:0}\"\nfi\necho \"${*:0}\"\n",
			"QK9001@06"},
		{"same line, by name",
			"#!/bin/bash\necho \"${@:0}\" # quirk disable=test-slice-zero -- wrapper\n",
			""},
		{"file wide",
			"#!/bin/bash\n# quirk disable-file=QK9001,QK9002 -- generated\necho \"${@:0}\"\necho ${*:1:-1}\n",
			""},
		{"shellcheck spelling needs no reason",
			"#!/bin/bash\necho\n# shellcheck disable=SC9001,SC2086\necho \"${@:0}\"\necho \"${@:0}\"\n",
			"QK9001@05"},
		{"shellcheck directive with a QK code: honoured, but it breaks ShellCheck",
			"#!/bin/bash\necho\n# shellcheck disable=QK9001\necho \"${@:0}\"\n",
			"QK5900@03"},
		{"ShellCheck's code for the same construct",
			"#!/bin/bash\necho\n# shellcheck disable=SC2068\necho ${@:0} ${*:0}\n",
			"QK9001@04"},
		{"ShellCheck's code for the other construct",
			"#!/bin/bash\necho\n# shellcheck disable=SC2048\necho ${@:0} ${*:0}\n",
			"QK9001@04"},
		{"a ShellCheck range",
			"#!/bin/bash\necho\n# shellcheck disable=SC2000-SC2099\necho ${@:0} ${*:0}\n",
			""},
		{"a ShellCheck code of no quirk check is not reported unused",
			"#!/bin/bash\necho\n# shellcheck disable=SC2034\necho ${@:0}\n",
			"QK9001@04"},
		{"before the first command ShellCheck's directive covers the file",
			"#!/bin/bash\n\n# shellcheck disable=SC2068\necho ${@:0}\necho ${@:0}\n",
			""},
		{"quirk's own directive before the first command covers the next one",
			"#!/bin/bash\n# quirk disable=QK9001 -- why\necho ${@:0}\necho ${@:0}\n",
			"QK9001@04"},
		{"missing reason still applies, reported",
			"#!/bin/bash\n# quirk disable=QK9001\necho \"${@:0}\"\n",
			"QK5900@02"},
		{"unused",
			"#!/bin/bash\n# quirk disable=QK9002 -- old\necho \"${@:0}\"\n",
			"QK5901@02 QK9001@03"},
		{"unknown code",
			"#!/bin/bash\n# quirk disable=QK9999 -- typo\necho ok\n",
			"QK5900@02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Check("t.sh", []byte(tt.src), Options{Analyzers: testAnalyzers})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(codes(res), " "); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSeverityAndSelection(t *testing.T) {
	src := []byte("#!/bin/bash\necho \"${@:1:-1}\" ${@:0}\n")
	check := func(opts Options) string {
		t.Helper()
		opts.Analyzers = testAnalyzers
		res, err := Check("t.sh", src, opts)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(codes(res), " ")
	}
	if got := check(Options{MinSeverity: analysis.Error}); got != "QK9002@02" {
		t.Errorf("severity error: got %q", got)
	}
	if got := check(Options{Exclude: []string{"test-negative-length"}}); got != "QK9001@02" {
		t.Errorf("exclude by name: got %q", got)
	}
	if got := check(Options{Include: []string{"9002"}}); got != "QK9002@02" {
		t.Errorf("include by number: got %q", got)
	}
	if got := check(Options{Dialect: analysis.Sh}); got != "QK9002@02 QK9003@02 QK9001@02 QK9003@02" {
		t.Errorf("forced sh dialect: got %q", got)
	}
}

func TestConfigMerge(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(path, s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, ConfigName), "# top\nshell = dash\nexclude = QK5011\ntarget-bash = 3.2\n")
	write(filepath.Join(root, "a", ConfigName), "severity = warning\nexclude = QK5002, unchecked-shift\n")
	var l ConfigLoader
	cfg, err := l.ForFile(filepath.Join(sub, "x.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Shell != analysis.Sh || cfg.Severity != analysis.Warning || cfg.TargetBash != 302 ||
		strings.Join(cfg.Exclude, ",") != "QK5002,unchecked-shift" || len(cfg.Files) != 2 {
		t.Errorf("merged config = %+v", cfg)
	}
	write(filepath.Join(sub, ConfigName), "colour = yes\n")
	var l2 ConfigLoader
	if _, err := l2.ForFile(filepath.Join(sub, "x.sh")); err == nil || !strings.Contains(err.Error(), ".quirkrc:1: unknown key") {
		t.Errorf("bad key: got %v", err)
	}
}

func TestParseBashVersion(t *testing.T) {
	for in, want := range map[string]int{"3.2": 302, "5": 500, "4.4.23": 404, "5.10": 510} {
		if got, err := ParseBashVersion(in); err != nil || got != want {
			t.Errorf("ParseBashVersion(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "x", "3.x", "-1"} {
		if _, err := ParseBashVersion(bad); err == nil {
			t.Errorf("ParseBashVersion(%q) accepted", bad)
		}
	}
}

func TestWalkScripts(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"a.sh":              "echo\n",
		"tool":              "#!/usr/bin/env bash\necho\n",
		"notes.txt":         "notes\n#!/bin/sh is not on the first line\n",
		"prog.py":           "#!/usr/bin/python3\n",
		"bin.sh.o":          "\x7fELF\x00\x00",
		".git/hooks/pre.sh": "#!/bin/sh\n",
		"vendor/x/y.sh":     "#!/bin/sh\n",
		"sub/b.bash":        "echo\n",
		"sub/c":             "#!/bin/dash\n",
	}
	for name, content := range files {
		path := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, f := range WalkScripts(root, func(string, error) {}) {
		rel, _ := filepath.Rel(root, f)
		got = append(got, filepath.ToSlash(rel))
	}
	if want := "a.sh sub/b.bash sub/c tool"; strings.Join(got, " ") != want {
		t.Errorf("WalkScripts = %q, want %q", got, want)
	}
}

// A rule that reports an expression for --confirm without a probe to judge
// it is a programming error the checker refuses at once (so every test of
// that rule fails), instead of --confirm dropping its findings silently.
func TestExprNeedsProbe(t *testing.T) {
	noProbe := &analysis.Analyzer{
		ID: "QK9009", Name: "test-no-probe", Severity: analysis.Warning, Doc: "t\n\nb", Hint: "h",
		Run: func(p *analysis.Pass) {
			p.Report(analysis.Diagnostic{Start: 0, End: 1, Message: "m", Expr: `"$@"`})
		},
	}
	_, err := Check("t.sh", []byte("#!/bin/bash\necho\n"), Options{Analyzers: []*analysis.Analyzer{noProbe}})
	if err == nil || !strings.Contains(err.Error(), "QK9009 reports an expression for --confirm but has no Probe") {
		t.Fatalf("got %v", err)
	}
}
