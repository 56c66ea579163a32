package analysis

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Dialect is the shell a script is written for. It decides which rules apply
// and which messages they give: "${@:0}" is a feature in bash and a fatal
// "Bad substitution" in dash.
type Dialect string

const (
	Bash    Dialect = "bash"
	Sh      Dialect = "sh" // POSIX sh, dash, busybox ash
	Ksh     Dialect = "ksh"
	Mksh    Dialect = "mksh"
	Zsh     Dialect = "zsh"
	Unknown Dialect = ""
)

// ParseDialect maps a shell name, as in a shebang, --shell or a directive, to
// a dialect.
func ParseDialect(name string) (Dialect, error) {
	switch strings.ToLower(filepath.Base(name)) {
	case "bash", "bats":
		return Bash, nil
	case "sh", "dash", "ash", "busybox", "posix":
		return Sh, nil
	case "ksh", "ksh93", "ksh88":
		return Ksh, nil
	case "mksh", "pdksh", "oksh", "lksh":
		return Mksh, nil
	case "zsh":
		return Zsh, nil
	}
	return Unknown, fmt.Errorf("unknown shell %q (want bash, sh, dash, ash, busybox, ksh, mksh or zsh)", name)
}

// ParserVariant is the mvdan.cc/sh language used to parse a dialect. POSIX
// scripts are parsed as bash, a superset, so that bash-only syntax in them can
// be reported instead of failing the parse.
func (d Dialect) ParserVariant() syntax.LangVariant {
	switch d {
	case Mksh:
		return syntax.LangMirBSDKorn
	case Zsh:
		return syntax.LangZsh
	}
	return syntax.LangBash
}

var directiveShell = regexp.MustCompile(`(?m)^[ \t]*#[ \t]*(?:quirk|shellcheck)[ \t]+(?:[a-z-]+=[^ \t]+[ \t]+)*shell=([A-Za-z0-9_.-]+)`)

// DetectDialect works out a script's dialect from, in order: a
// "# quirk shell=" or "# shellcheck shell=" directive, the shebang, and the
// file extension. It returns Unknown when nothing says.
func DetectDialect(filename string, src []byte) Dialect {
	head := src[:min(len(src), 64<<10)]
	if !bytes.Contains(head, []byte("shell=")) {
		// No directive: skip the regexp, which costs more than it seems
		// over thousands of files.
	} else if m := directiveShell.FindSubmatch(head); m != nil {
		if d, err := ParseDialect(string(m[1])); err == nil {
			return d
		}
	}
	if d := ShebangDialect(head); d != Unknown {
		return d
	}
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".bash", ".bats":
		return Bash
	case ".sh", ".dash", ".ash":
		// A .sh file without a shebang is run by sh; treat it as POSIX.
		return Sh
	case ".ksh":
		return Ksh
	case ".mksh":
		return Mksh
	case ".zsh":
		return Zsh
	}
	return Unknown
}

// ShebangDialect reads "#!/bin/bash", "#!/usr/bin/env bash",
// "#!/usr/bin/env -S bash -e" and the like.
func ShebangDialect(src []byte) Dialect {
	if len(src) < 2 || src[0] != '#' || src[1] != '!' {
		return Unknown
	}
	line, _, _ := strings.Cut(string(src[2:min(len(src), 256)]), "\n")
	fields := strings.Fields(line)
	for len(fields) > 0 {
		base := filepath.Base(fields[0])
		if base == "env" || strings.HasPrefix(base, "-") {
			fields = fields[1:]
			continue
		}
		if base == "busybox" && len(fields) > 1 {
			base = fields[1]
		}
		d, err := ParseDialect(base)
		if err != nil {
			return Unknown
		}
		return d
	}
	return Unknown
}

// Origin says where a detected dialect came from.
type Origin int

const (
	FromNothing   Origin = iota // nothing said; the caller picks a default
	FromDirective               // # quirk shell= or # shellcheck shell=
	FromShebang
	FromExtension
)

// DetectDialectOrigin is DetectDialect that also says what decided it, so a
// weak guess (a .sh name, nothing at all) can be revised from the content.
func DetectDialectOrigin(filename string, src []byte) (Dialect, Origin) {
	head := src[:min(len(src), 64<<10)]
	if bytes.Contains(head, []byte("shell=")) {
		if m := directiveShell.FindSubmatch(head); m != nil {
			if d, err := ParseDialect(string(m[1])); err == nil {
				return d, FromDirective
			}
		}
	}
	if d := ShebangDialect(head); d != Unknown {
		return d, FromShebang
	}
	if d := DetectDialect(filename, nil); d != Unknown {
		return d, FromExtension
	}
	return Unknown, FromNothing
}

// BashOnlySyntax returns the first construct in f that POSIX sh does not
// have and bash does ([[ ]], arrays, declare, (( )), ${x:1}, ${!x},
// here-strings, process substitution, $'…', &>), and a short name for it;
// nil when there is none. A script without a shebang that uses one is
// plainly meant for bash: a library sourced by bash programs, a package
// recipe read by a bash build system.
func BashOnlySyntax(f *syntax.File) (syntax.Node, string) {
	var found syntax.Node
	var what string
	syntax.Walk(f, func(n syntax.Node) bool {
		if found != nil {
			return false
		}
		set := func(w string) { found, what = n, w }
		switch n := n.(type) {
		case *syntax.TestClause:
			set("[[ ]]")
		case *syntax.ArrayExpr:
			set("an array")
		case *syntax.ArithmCmd:
			set("(( ))")
		case *syntax.CStyleLoop:
			set("for (( ))")
		case *syntax.ProcSubst:
			set("process substitution")
		case *syntax.DeclClause:
			if v := n.Variant.Value; v == "declare" || v == "typeset" {
				set(v)
			}
		case *syntax.SglQuoted:
			if n.Dollar {
				set("$'…'")
			}
		case *syntax.Redirect:
			switch n.Op {
			case syntax.WordHdoc:
				set("a here-string (<<<)")
			case syntax.RdrAll, syntax.AppAll:
				set(n.Op.String())
			}
		case *syntax.ParamExp:
			switch {
			case n.Index != nil:
				set("an array subscript")
			case n.Excl:
				set("${!…}")
			case n.Slice != nil:
				set("a substring ${x:…}")
			case n.Repl != nil:
				set("${x/…/…}")
			}
		case *syntax.CallExpr:
			if len(n.Args) > 0 {
				if l := n.Args[0].Lit(); l == "mapfile" || l == "readarray" || l == "shopt" {
					set(l)
				}
			}
		}
		return found == nil
	})
	return found, what
}
