package lsp

import (
	"sort"
	"unicode/utf8"
)

// Encoding is the unit LSP positions count within a line. mvdan.cc/sh and
// quirk's diagnostics work in byte offsets (utf-8), which clients may
// accept; LSP's default and every client's fallback is UTF-16 code units.
type Encoding string

const (
	UTF8  Encoding = "utf-8"
	UTF16 Encoding = "utf-16"
	UTF32 Encoding = "utf-32"
)

// negotiate picks the client's utf-8 when offered (no conversion), else
// UTF-16, which the specification makes mandatory for every client.
func negotiate(offered []string) Encoding {
	for _, e := range offered {
		if Encoding(e) == UTF8 {
			return UTF8
		}
	}
	return UTF16
}

// lines maps byte offsets of one document version to LSP positions and
// back. It is built once per analysed version.
type lines struct {
	src    string
	starts []int // byte offset of each line start
}

func newLines(src string) *lines {
	starts := make([]int, 1, 64)
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lines{src: src, starts: starts}
}

// lineEnd is the byte offset of line n's newline (or the end of text).
func (l *lines) lineEnd(n int) int {
	if n+1 < len(l.starts) {
		return l.starts[n+1] - 1
	}
	return len(l.src)
}

// position converts a byte offset to an LSP position in enc.
func (l *lines) position(off int, enc Encoding) Position {
	off = min(max(off, 0), len(l.src))
	n := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off }) - 1
	seg := l.src[l.starts[n]:off]
	return Position{Line: n, Character: units(seg, enc)}
}

// offset converts an LSP position to a byte offset, clamping a position
// past the line's end to the end (the specification's rule) and one that
// falls inside a character to that character's start.
func (l *lines) offset(p Position, enc Encoding) int {
	if p.Line < 0 {
		return 0
	}
	if p.Line >= len(l.starts) {
		return len(l.src)
	}
	start, end := l.starts[p.Line], l.lineEnd(p.Line)
	if enc == UTF8 {
		off := min(start+max(p.Character, 0), end)
		for off > start && off < len(l.src) && !utf8.RuneStart(l.src[off]) {
			off--
		}
		return off
	}
	count := 0
	for i, r := range l.src[start:end] {
		w := 1
		if enc == UTF16 && r >= 0x10000 {
			w = 2
		}
		if count+w > p.Character {
			return start + i
		}
		count += w
	}
	return end
}

func (l *lines) rangeOf(start, end int, enc Encoding) Range {
	return Range{Start: l.position(start, enc), End: l.position(end, enc)}
}

// units counts s in the encoding's code units.
func units(s string, enc Encoding) int {
	switch enc {
	case UTF8:
		return len(s)
	case UTF32:
		return utf8.RuneCountInString(s)
	}
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
