package analysis

import (
	"bytes"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Shell options that change what the rules may assume: errexit (the script
// stops at the first failing command), nounset (it stops at the first unset
// variable) and noglob (set -f), from the shebang (#!/bin/sh -eu), a
// top-level set -e / set -o errexit, or shopt -os errexit.

// bytesHasShebangFlag reports "#!/bin/bash -e" and "#!/bin/sh -eu".
func bytesHasShebangFlag(src []byte, flag byte) bool {
	if len(src) < 2 || src[0] != '#' || src[1] != '!' {
		return false
	}
	line, _, _ := bytes.Cut(src[2:min(len(src), 256)], []byte("\n"))
	for i, f := range bytes.Fields(line) {
		if i > 0 && len(f) > 1 && f[0] == '-' && f[1] != '-' && bytes.IndexByte(f, flag) >= 0 {
			return true
		}
	}
	return false
}

// noteOptions records set -u, set -f and errexit from "set" and "shopt -o".
func (ix *Index) noteOptions(args []*syntax.Word, topLevel bool) {
	if !topLevel {
		return
	}
	for i, a := range args {
		l := a.Lit()
		if l == "--" || l == "-" {
			return // the rest are arguments: set -- -e sets $1
		}
		if strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "--") && l != "-o" {
			flags := l[1:]
			if strings.ContainsRune(flags, 'o') && i+1 < len(args) {
				ix.noteOptionName(args[i+1].Lit())
			}
			if strings.ContainsRune(flags, 'u') {
				ix.Nounset = true
			}
			if strings.ContainsRune(flags, 'f') {
				ix.Noglob = true
			}
			if strings.ContainsRune(flags, 'e') {
				ix.Errexit = true
			}
		}
		if l == "-o" && i+1 < len(args) {
			ix.noteOptionName(args[i+1].Lit())
		}
	}
}

func (ix *Index) noteOptionName(name string) {
	switch name {
	case "errexit":
		ix.Errexit = true
	case "nounset":
		ix.Nounset = true
	case "noglob":
		ix.Noglob = true
	}
}

// noteShopt handles "shopt -os errexit" (shopt -o sets set -o options).
func (ix *Index) noteShopt(args []*syntax.Word, topLevel bool) {
	hasO, hasS := false, false
	for _, a := range args {
		l := a.Lit()
		if strings.HasPrefix(l, "-") {
			hasO = hasO || strings.ContainsRune(l, 'o')
			hasS = hasS || strings.ContainsRune(l, 's')
		}
	}
	if !hasO || !hasS || !topLevel {
		return
	}
	for _, a := range args {
		ix.noteOptionName(a.Lit())
	}
}
