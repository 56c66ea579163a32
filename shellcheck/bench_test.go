package shellcheck

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// largeScript is a 1 MB script mixing the constructs the rules look at with
// ordinary code, the shape of a big generated installer.
func largeScript() []byte {
	var b bytes.Buffer
	b.WriteString("#!/bin/bash\n")
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "f%d() {\n\tlocal x=\"$1\" n=%d\n\tif [ $# -gt 1 ]; then shift 2; fi\n", i, i%3)
		fmt.Fprintf(&b, "\tprintf '%%s\\n' \"${@:1}\" \"${x:-default}\" \"$(date +%%s)\" | grep -v foo >/dev/null\n")
		fmt.Fprintf(&b, "\tfor a in \"$@\"; do case $a in -v) v=1 ;; *) echo \"$a\" ;; esac; done\n}\n")
	}
	return b.Bytes()
}

// BenchmarkParse is mvdan.cc/sh's bare parse of the large script: the floor
// that BenchmarkCheck is measured against (target: within 2x).
func BenchmarkParse(b *testing.B) {
	src := largeScript()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		p := syntax.NewParser(syntax.KeepComments(true))
		if _, err := p.Parse(bytes.NewReader(src), "big.sh"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck is the whole check of the same script: parse, index, all
// rules, directives.
func BenchmarkCheck(b *testing.B) {
	src := largeScript()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Check("big.sh", src, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCorpusParse and BenchmarkCorpusCheck do the same over the
// scripts listed in $QUIRK_BENCH_CORPUS (one path a line), such as the
// machine's installed scripts; bench/check.sh sets it.
func corpus(b *testing.B) [][]byte {
	list := os.Getenv("QUIRK_BENCH_CORPUS")
	if list == "" {
		b.Skip("QUIRK_BENCH_CORPUS not set (bench/check.sh sets it)")
	}
	data, err := os.ReadFile(list)
	if err != nil {
		b.Fatal(err)
	}
	var srcs [][]byte
	for _, name := range bytes.Fields(data) {
		src, err := os.ReadFile(filepath.Clean(string(name)))
		if err == nil {
			srcs = append(srcs, src)
		}
	}
	return srcs
}

func BenchmarkCorpusParse(b *testing.B) {
	srcs := corpus(b)
	for b.Loop() {
		for _, src := range srcs {
			syntax.NewParser(syntax.KeepComments(true)).Parse(bytes.NewReader(src), "f")
		}
	}
}

func BenchmarkCorpusCheck(b *testing.B) {
	srcs := corpus(b)
	for b.Loop() {
		for _, src := range srcs {
			Check("f", src, Options{Dialect: "bash"})
		}
	}
}

// BenchmarkDirectiveDense checks scripts with a ShellCheck directive and a
// finding it silences on every other line, at two sizes: ns/op growing
// four times for four times the lines means directives cost n log n, as
// applyDirectives is meant to (it was n² once: every directive searched
// every statement, every finding every directive).
func BenchmarkDirectiveDense(b *testing.B) {
	for _, lines := range []int{5000, 20000} {
		var buf bytes.Buffer
		buf.WriteString("#!/bin/bash\nf\n")
		for range lines / 2 {
			buf.WriteString("# shellcheck disable=SC2068\necho $@\n")
		}
		src := buf.Bytes()
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			for b.Loop() {
				res, err := Check("d.bash", src, Options{Include: []string{"QK5011"}})
				if err != nil || len(res.Diagnostics) != 0 {
					b.Fatalf("err %v, %d findings left, want none", err, len(res.Diagnostics))
				}
			}
		})
	}
}
