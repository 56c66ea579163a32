package format

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// ErrNothingFixable is returned by the diff format when there were findings
// but none had a safe fix, mirroring ShellCheck's message.
var ErrNothingFixable = fmt.Errorf("issues were detected, but none were auto-fixable")

// writeDiff prints a unified diff (git apply / patch -p1 format) of every
// safe fix. Unsafe fixes change what a script means and are left out.
func writeDiff(w io.Writer, results []*shellcheck.Result) error {
	bw := bufio.NewWriter(w)
	found, fixed := false, false
	for _, r := range results {
		var edits []analysis.TextEdit
		for _, d := range r.Diagnostics {
			found = true
			if f := d.SafeFix(); f != nil {
				edits = append(edits, f.Edits...)
			}
		}
		if len(edits) == 0 {
			continue
		}
		hunks, err := unifiedHunks(r.Src, edits)
		if err != nil {
			return fmt.Errorf("%s: %v", r.Filename, err)
		}
		fixed = true
		name := strings.TrimPrefix(r.Filename, "./")
		fmt.Fprintf(bw, "--- a/%s\n+++ b/%s\n%s", name, name, hunks)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if found && !fixed {
		return ErrNothingFixable
	}
	return nil
}

// group is a run of edits touching old lines [from, to] (1-based).
type group struct {
	from, to int
	edits    []analysis.TextEdit
}

const diffContext = 3

// unifiedHunks builds the hunks directly from the edits: each group of
// edits replaces whole old lines with new ones, so no general diff algorithm
// (and no quadratic cost on large files) is needed.
func unifiedHunks(src []byte, edits []analysis.TextEdit) (string, error) {
	edits = slices.Clone(edits)
	slices.SortStableFunc(edits, func(a, b analysis.TextEdit) int { return a.Start - b.Start })
	li := newLineIndex(src)
	var groups []*group
	for _, e := range edits {
		from, to := li.pos(e.Start).Line, li.pos(e.End).Line
		if n := len(groups); n > 0 && from <= groups[n-1].to {
			g := groups[n-1]
			g.to = max(g.to, to)
			g.edits = append(g.edits, e)
			continue
		}
		groups = append(groups, &group{from: from, to: to, edits: []analysis.TextEdit{e}})
	}
	oldLines := splitLines(src)
	var out bytes.Buffer
	delta := 0 // new line number minus old line number so far
	for i := 0; i < len(groups); {
		// Merge groups whose context would overlap into one hunk.
		j := i
		for j+1 < len(groups) && groups[j+1].from-groups[j].to <= 2*diffContext {
			j++
		}
		hunkFrom := max(groups[i].from-diffContext, 1)
		hunkTo := min(groups[j].to+diffContext, len(oldLines))
		var body bytes.Buffer
		oldCount, newCount := 0, 0
		line := hunkFrom
		for k := i; k <= j; k++ {
			g := groups[k]
			for ; line < g.from; line++ {
				writeLine(&body, ' ', oldLines[line-1])
				oldCount++
				newCount++
			}
			start := lineStart(li, g.from)
			stop := lineStart(li, g.to+1)
			shifted := make([]analysis.TextEdit, len(g.edits))
			for n, e := range g.edits {
				shifted[n] = analysis.TextEdit{Start: e.Start - start, End: e.End - start, NewText: e.NewText}
			}
			replaced, err := analysis.ApplyEdits(src[start:stop], shifted)
			if err != nil {
				return "", err
			}
			for ; line <= g.to; line++ {
				writeLine(&body, '-', oldLines[line-1])
				oldCount++
			}
			for _, l := range splitLines(replaced) {
				writeLine(&body, '+', l)
				newCount++
			}
		}
		for ; line <= hunkTo; line++ {
			writeLine(&body, ' ', oldLines[line-1])
			oldCount++
			newCount++
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n%s", hunkFrom, oldCount, hunkFrom+delta, newCount, body.Bytes())
		delta += newCount - oldCount
		i = j + 1
	}
	return out.String(), nil
}

func lineStart(li *lineIndex, n int) int {
	if n > len(li.starts) {
		return len(li.src)
	}
	return li.starts[n-1]
}

// splitLines splits after each newline, keeping it; a final line without
// one is kept too.
func splitLines(b []byte) [][]byte {
	var lines [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			lines = append(lines, b)
			break
		}
		lines = append(lines, b[:i+1])
		b = b[i+1:]
	}
	return lines
}

func writeLine(w *bytes.Buffer, mark byte, line []byte) {
	w.WriteByte(mark)
	w.Write(line)
	if !bytes.HasSuffix(line, []byte("\n")) {
		w.WriteString("\n\\ No newline at end of file\n")
	}
}
