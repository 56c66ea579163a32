package analysis

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// visits lists the nodes a walk enters and leaves, as "+Type@offset" and
// "-", leaving out what walkTree skips.
func visits(f *syntax.File, tree bool) []string {
	var out []string
	skip := func(n syntax.Node) bool {
		switch n.(type) {
		case *syntax.Lit, *syntax.SglQuoted, *syntax.Comment:
			return true
		}
		return false
	}
	enter := func(n syntax.Node) bool {
		out = append(out, fmt.Sprintf("+%T@%d", n, n.Pos().Offset()))
		return true
	}
	if tree {
		walkTree(f, enter, func() { out = append(out, "-") })
		return out
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		switch {
		case n == nil:
			out = append(out, "-")
		case skip(n):
			return false
		default:
			return enter(n)
		}
		return true
	})
	return out
}

// TestWalkTreeMatchesWalk: walkTree enters and leaves the same nodes in the
// same order as syntax.Walk, over every rule's testdata and scripts that
// use every kind of node, in each language.
func TestWalkTreeMatchesWalk(t *testing.T) {
	srcs := map[string][]byte{
		"all.bash": []byte(`#!/bin/bash
# comment
f() { local -a x=([1]=a b) y; x+=(c); echo "${x[@]:1:2}" "${y/a/b}" "${z:-d}" >"$f" 2>&1 <<-EOF
	body $1 $(date) ${#x}
	EOF
}
function g { time { coproc c { cat; }; }; }
if [[ -n $1 && ( $2 == *.sh || ! -f $3 ) ]]; then (( i++, j = i * 2 )); elif true; then :; else let k=1 'l=2'; fi
for ((i = 0; i < $#; i++)); do shift; done
for a in "$@" x; do case $a in -o) out=$2 ;; @(x|y)) ;; *) break ;; esac; done
while read -r l; do echo "$l"; done < <(ls) | cat && echo ok || echo $'no\t'
select s in a b; do break; done
arr=("$@"); IFS=, cmd "$*"
declare -A m=([k]=v); export e=1; readonly r
echo $((1 + ${#@} + $(( 2 )))) ${!p} ${p@Q}
`),
		"all.zsh":  []byte("print ${(s:,:)x} ${${x}:-y} $((x[1]))\nfor i in 1 2; do print $i; done\n"),
		"all.bats": []byte("@test \"name $x\" {\n\trun f \"$@\"\n}\n"),
	}
	files, _ := filepath.Glob("../rules/testdata/*/*")
	for _, name := range files {
		if src, err := os.ReadFile(name); err == nil && !bytes.HasSuffix([]byte(name), []byte(".golden")) {
			srcs[name] = src
		}
	}
	for name, src := range srcs {
		lang := syntax.LangBash
		switch filepath.Ext(name) {
		case ".zsh":
			lang = syntax.LangZsh
		case ".bats":
			lang = syntax.LangBats
		}
		f, err := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(lang)).Parse(bytes.NewReader(src), name)
		if err != nil {
			// POSIX-only testdata ("((" as two subshells).
			f, err = syntax.NewParser(syntax.KeepComments(true), syntax.Variant(syntax.LangPOSIX)).Parse(bytes.NewReader(src), name)
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, got := visits(f, false), visits(f, true)
		if !slices.Equal(want, got) {
			for i := range min(len(want), len(got)) {
				if want[i] != got[i] {
					t.Fatalf("%s: visit %d is %s, syntax.Walk has %s", name, i, got[i], want[i])
				}
			}
			t.Fatalf("%s: %d visits, syntax.Walk has %d", name, len(got), len(want))
		}
	}
	if len(srcs) < 20 {
		t.Fatalf("only %d scripts walked", len(srcs))
	}
}
