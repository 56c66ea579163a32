// Package format writes check results in the formats CI systems and editors
// read: ShellCheck's tty, gcc, json1, checkstyle and diff, plus SARIF 2.1.0.
package format

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sort"
	"unicode/utf8"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// Names lists the formats Write accepts.
var Names = []string{"tty", "gcc", "json1", "json", "checkstyle", "diff", "sarif", "quiet"}

// Known reports whether name is a format.
func Known(name string) bool { return slices.Contains(Names, name) }

// Options tune the human formats.
type Options struct {
	Color   bool
	Version string // quirk's version, for SARIF's tool.driver
	// SemanticVersion is the version as semver ("1.2.0", "0.0.0-devel").
	SemanticVersion string
	// Failures are the inputs that could not be checked; SARIF reports
	// them as tool execution notifications.
	Failures []Failure
	// ShellCheckCodes spells quirk's codes SC5001 in gcc and checkstyle,
	// for tools that parse ShellCheck's output (quirk run as shellcheck).
	ShellCheckCodes bool
	// Root is the directory SARIF URIs are relative to; empty means the
	// repository holding the working directory.
	Root string
}

// Failure is one input that could not be checked.
type Failure struct {
	Filename string // empty when no single file is to blame
	Message  string
}

// Write writes results in format name. Results are written in order; a
// result with no diagnostics still appears where the format lists files.
func Write(w io.Writer, name string, results []*shellcheck.Result, opts Options) error {
	switch name {
	case "tty":
		return writeTTY(w, results, opts)
	case "gcc":
		return writeGCC(w, results, opts)
	case "json1":
		return writeJSON1(w, results)
	case "json":
		return writeJSON(w, results)
	case "checkstyle":
		return writeCheckstyle(w, results, opts)
	case "diff":
		return writeDiff(w, results)
	case "sarif":
		return writeSARIF(w, results, opts)
	case "quiet":
		return nil
	}
	return fmt.Errorf("unknown format %q (want %v)", name, Names)
}

// position is a 1-based line and a 1-based column counted in characters, a
// tab counting as one (ShellCheck's json1 convention).
type position struct{ Line, Col int }

// lineIndex maps byte offsets to positions without rescanning the file for
// every diagnostic, which matters for generated scripts of many megabytes.
type lineIndex struct {
	src    []byte
	starts []int
}

func newLineIndex(src []byte) *lineIndex {
	starts := []int{0}
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{src: src, starts: starts}
}

func (li *lineIndex) pos(off int) position {
	off = min(max(off, 0), len(li.src))
	line := sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > off }) - 1
	return position{Line: line + 1, Col: 1 + utf8.RuneCount(li.src[li.starts[line]:off])}
}

// line returns the text of 1-based line n without its newline.
func (li *lineIndex) line(n int) []byte {
	if n < 1 || n > len(li.starts) {
		return nil
	}
	start := li.starts[n-1]
	end := len(li.src)
	if n < len(li.starts) {
		end = li.starts[n] - 1
	}
	return li.src[start:end]
}

// span returns the start and end positions of d. ShellCheck's end column is
// exclusive; an empty span is widened to one character so editors show it.
func span(li *lineIndex, d analysis.Diagnostic) (position, position) {
	start, end := li.pos(d.Start), li.pos(d.End)
	if end == start {
		end.Col++
	}
	return start, end
}

// message is the diagnostic text with its --confirm evidence, if any, or
// the reason --confirm could not evaluate it.
func message(d analysis.Diagnostic) string {
	if d.Unconfirmed != "" {
		return d.Message + " [not confirmed: " + d.Unconfirmed + "]"
	}
	if len(d.Evidence) == 0 {
		return d.Message
	}
	var b bytes.Buffer
	b.WriteString(d.Message)
	b.WriteString(" [confirmed: ")
	for i, e := range d.Evidence {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e)
	}
	b.WriteString("]")
	return b.String()
}

func displayName(r *shellcheck.Result) string {
	return r.Filename
}
