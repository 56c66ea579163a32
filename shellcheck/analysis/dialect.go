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
