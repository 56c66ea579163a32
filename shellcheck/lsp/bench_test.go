package lsp

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// bigScript is a plausible n-line bash script: functions, loops and case
// arms, with two findings in every tenth function.
func bigScript(n int) string {
	var b strings.Builder
	b.WriteString("#!/bin/bash\nset -eu\n")
	for i := 0; b.Len() == 0 || strings.Count(b.String(), "\n") < n-10; i++ {
		slice, assign := "${@:1}", `"$*"`
		if i%10 == 0 {
			slice, assign = "${@:0}", "$@"
		}
		fmt.Fprintf(&b, "f%d() {\n\tlocal a=\"$1\" b=\"${2:-x}\"\n\tfor x in \"$@\"; do\n\t\tcase $x in\n\t\t-v) echo \"%s\" ;;\n\t\t*) printf '%%s\\n' \"$a$b$x\" ;;\n\t\tesac\n\tdone\n\tshift 2\n\ty=%s\n}\n", i, slice, assign)
	}
	return b.String()
}

// BenchmarkDiagnostics5000Lines is the time from a change notification to
// its publishDiagnostics over a pipe, with the debounce set to zero: the
// latency a user sees after the pause.
func BenchmarkDiagnostics5000Lines(b *testing.B) {
	src := bigScript(5000)
	c := startServer(b, Options{})
	c.initialize(utf16Caps(), map[string]any{"debounceMs": 0})
	c.open(uri, src, 1)
	c.diagnostics(uri, 1)
	b.ResetTimer()
	v := 1
	for b.Loop() {
		v++
		// Alternate two texts so that every check is real work.
		c.change(uri, src+strings.Repeat("\n", v%2), v)
		p := c.diagnostics(uri, v)
		if len(p.Diagnostics) == 0 {
			b.Fatal("no diagnostics")
		}
		c.pending = c.pending[:0]
	}
	b.StopTimer()
	b.ReportMetric(float64(strings.Count(src, "\n")), "lines")
	c.shutdown()
}

// BenchmarkTyping5000Lines is the same latency for what an editor sends
// while typing: one incremental edit of one character, not the whole text.
func BenchmarkTyping5000Lines(b *testing.B) {
	src := bigScript(5000)
	c := startServer(b, Options{})
	c.initialize(utf16Caps(), map[string]any{"debounceMs": 0})
	c.open(uri, src, 1)
	c.diagnostics(uri, 1)
	v := 1
	for b.Loop() {
		v++
		// Type and delete a space at the start of line 3, alternately.
		edit := map[string]any{"range": Range{Start: Position{Line: 2}, End: Position{Line: 2}}, "text": " "}
		if v%2 == 1 {
			edit = map[string]any{"range": Range{Start: Position{Line: 2}, End: Position{Line: 2, Character: 1}}, "text": ""}
		}
		c.notify("textDocument/didChange", map[string]any{
			"textDocument":   map[string]any{"uri": uri, "version": v},
			"contentChanges": []any{edit},
		})
		if p := c.diagnostics(uri, v); len(p.Diagnostics) == 0 {
			b.Fatal("no diagnostics")
		}
		c.pending = c.pending[:0]
	}
	b.StopTimer()
	c.shutdown()
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// editSession makes n edits of a 200-line script with the given debounce,
// returning the heap in use after 1,000 edits and after n.
func editSession(t testing.TB, n int) (after1k, afterN uint64) {
	src := bigScript(200)
	c := startServer(t, Options{})
	c.initialize(utf16Caps(), map[string]any{"debounceMs": 1})
	c.open(uri, src, 1)
	c.diagnostics(uri, 1)
	for v := 2; v <= n; v++ {
		// Each edit is a different text, as typing is.
		c.change(uri, src+"echo "+fmt.Sprint(v)+"\n", v)
		if v%100 == 0 {
			c.diagnostics(uri, v)
			c.pending = c.pending[:0]
		}
		if v == 1000 {
			after1k = heapInUse()
		}
	}
	afterN = heapInUse()
	c.shutdown()
	return after1k, afterN
}

// BenchmarkMemory10000Edits reports the heap growth between the 1,000th
// and the 10,000th edit (it should stay near zero: one document, one
// result kept).
func BenchmarkMemory10000Edits(b *testing.B) {
	for b.Loop() {
		a, z := editSession(b, 10000)
		b.ReportMetric(float64(a)/(1<<20), "heap-MiB-at-1k")
		b.ReportMetric(float64(z)/(1<<20), "heap-MiB-at-10k")
		b.ReportMetric((float64(z)-float64(a))/(1<<10), "growth-KiB")
	}
}

// TestMemoryFlat fails if 9,000 more edits keep more than 1 MiB: a leak of
// even 120 bytes per edit (a timer, a result, a goroutine) shows.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("10,000 edits; the race detector slows them tenfold (its own run covers the same code)")
	}
	before := runtime.NumGoroutine()
	a, z := editSession(t, 10000)
	if z > a+1<<20 {
		t.Errorf("heap grew from %d to %d bytes between edit 1,000 and 10,000", a, z)
	}
	if g := runtime.NumGoroutine(); g > before+5 {
		t.Errorf("%d goroutines after the session, %d before", g, before)
	}
}

// BenchmarkCheck5000Lines is the server's own share of the latency: check
// and conversion to LSP diagnostics, without the pipe and the client.
func BenchmarkCheck5000Lines(b *testing.B) {
	src := bigScript(5000)
	s := &Server{enc: UTF16}
	for b.Loop() {
		cr := s.check(uri, 1, 1, src)
		if len(cr.diags) == 0 {
			b.Fatal("no diagnostics")
		}
	}
}

// BenchmarkParse5000Lines is the floor: mvdan.cc/sh parsing the same script,
// nothing else. On a loaded machine the ratio of the two benchmarks above
// to this one is steadier than their times.
func BenchmarkParse5000Lines(b *testing.B) {
	src := bigScript(5000)
	for b.Loop() {
		if _, err := syntax.NewParser(syntax.KeepComments(true)).Parse(strings.NewReader(src), "t.sh"); err != nil {
			b.Fatal(err)
		}
	}
}
