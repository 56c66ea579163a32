package analysis

import (
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// index parses a bash script and indexes it, as the checker does.
func index(t *testing.T, src string) (*Index, *syntax.File) {
	t.Helper()
	f, err := syntax.NewParser(syntax.KeepComments(true)).Parse(strings.NewReader(src), "t.sh")
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	return NewIndex(f, []byte(src)), f
}

// at is the offset of the first "HERE" in src: where a test asks a question.
func at(t *testing.T, src string) int {
	t.Helper()
	i := strings.Index(src, "HERE")
	if i < 0 {
		t.Fatalf("no HERE in %q", src)
	}
	return i
}
