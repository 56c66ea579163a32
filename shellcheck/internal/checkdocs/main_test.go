package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

const root = "../../.."

// TestDocsMatchRegistry fails while README.md's table of checks or a page
// under docs/checks differs from what the registry says (run go generate
// ./shellcheck), or while a page exists for a check that does not.
func TestDocsMatchRegistry(t *testing.T) {
	want, err := files(root, shellcheck.Registry())
	if err != nil {
		t.Fatal(err)
	}
	for rel, content := range want {
		got, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("%s is out of date with the registry (%v); run go generate ./shellcheck", rel, err)
		}
	}
	pages, _ := filepath.Glob(filepath.Join(root, pagesDir, "*.md"))
	for _, p := range pages {
		rel := pagesDir + "/" + filepath.Base(p)
		if _, ok := want[rel]; !ok {
			t.Errorf("%s documents no registered check; run go generate ./shellcheck", rel)
		}
	}
	for _, a := range shellcheck.Registry() {
		if a.URL != "https://github.com/quirkcheck/quirk/blob/main/"+pagesDir+"/"+a.ID+".md" {
			t.Errorf("%s: URL %s is not its page", a.ID, a.URL)
		}
	}
}

// The documentation never recommends a directive that breaks ShellCheck:
// "# shellcheck disable=QK5001" makes ShellCheck stop checking the file.
func TestNoDirectiveThatBreaksShellCheck(t *testing.T) {
	bad := regexp.MustCompile(`shellcheck\s+disable=[^\s]*QK[0-9]`)
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*", "*.md"))
	for _, f := range append(docs, filepath.Join(root, readme)) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if bad.MatchString(line) && !strings.Contains(line, "not write") && !strings.Contains(line, "**not** write") {
				t.Errorf("%s:%d recommends a directive ShellCheck cannot parse: %s", f, i+1, line)
			}
		}
	}
}

func TestMarkdownBody(t *testing.T) {
	body := "A \"$*\" and <t.sh>, \\${$#}.\n\nBad:\n    x=\"${@:0}\"\n\n    y=1\n\nGood:\n    z=\"$1\"\nafter"
	want := "A \"$\\*\" and &lt;t.sh&gt;, \\\\${$#}.\n\nBad:\n```sh\nx=\"${@:0}\"\n\ny=1\n```\n\nGood:\n```sh\nz=\"$1\"\n```\nafter\n"
	if got := markdownBody(body); got != want {
		t.Errorf("markdownBody:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteRemovesStalePages(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, pagesDir), 0o755)
	os.WriteFile(filepath.Join(dir, readme), []byte("# x\n"+tableBegin+"\nold\n"+tableEnd+"\nrest\n"), 0o644)
	os.WriteFile(filepath.Join(dir, pagesDir, "QK5999.md"), []byte("gone"), 0o644)
	a := &analysis.Analyzer{ID: "QK5001", Name: "a-rule", Doc: "title\n\nbody", Hint: "hint", Severity: analysis.Warning}
	if err := write(dir, []*analysis.Analyzer{a}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, pagesDir, "QK5999.md")); err == nil {
		t.Error("stale page kept")
	}
	got, _ := os.ReadFile(filepath.Join(dir, readme))
	if !strings.Contains(string(got), "| [QK5001](docs/checks/QK5001.md) | warning | all | title |") || !strings.HasSuffix(string(got), tableEnd+"\nrest\n") {
		t.Errorf("README:\n%s", got)
	}
}
