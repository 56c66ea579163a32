// Package spec reads Oils-format shell spec files (the *.test.sh files of
// github.com/oils-for-unix/oils spec/) and runs their cases under quirk's
// engines, judging each result against the file's expectations.
//
// Format (as parsed by Oils' test/sh_spec.py): a case starts with
// "#### title"; its code follows; assertions are "## key: value" lines or
// "## STDOUT:" … "## END" blocks, keys stdout, stderr, status, stdout-json,
// stderr-json. "## OK|BUG|N-I shell[/shell…] key: value" overrides an
// assertion for some shells. Header lines before the first case hold
// "## compare_shells: …".
package spec

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// File is one parsed spec file.
type File struct {
	Name          string // base name, e.g. "word-split.test.sh"
	CompareShells []string
	Cases         []*Case
}

// Case is one "####" case.
type Case struct {
	File  string
	Num   int // 0-based position in the file, as Oils counts
	Title string
	Line  int // line of the "####" header
	Code  string
	// Default is what every shell should do; Overrides hold per-shell
	// deviations the file accepts (OK), knows (BUG) or excuses (N-I).
	Default   Expectation
	Overrides map[string]*Override
}

// Expectation is what a case should print and return. nil fields are not
// checked, except Status, which defaults to 0 as in sh_spec.py.
type Expectation struct {
	Stdout, Stderr *string
	Status         *int
}

// Override is a per-shell expectation with its verdict label.
type Override struct {
	Verdict string // "OK", "BUG" or "N-I"
	Expectation
}

// ID names a case stably across runs: "file.test.sh#N".
func (c *Case) ID() string { return fmt.Sprintf("%s#%d", c.File, c.Num) }

// For returns the expectation for shell and the verdict its match earns:
// "PASS" for the default, or the override's label.
func (c *Case) For(shell string) (Expectation, string) {
	e := c.Default
	if o, ok := c.Overrides[shell]; ok {
		if o.Stdout != nil {
			e.Stdout = o.Stdout
		}
		if o.Stderr != nil {
			e.Stderr = o.Stderr
		}
		if o.Status != nil {
			e.Status = o.Status
		}
		return e, o.Verdict
	}
	return e, "PASS"
}

var assertion = regexp.MustCompile(`^##\s+(?:(OK|BUG|N-I)(?:-\d+)?\s+([\w+/.-]+)\s+)?([a-zA-Z][\w-]*):\s*(.*)$`)

// ParseFile reads path.
func ParseFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, filepath.Base(path))
}

// Parse reads a spec file from r; name is used in case IDs and errors.
func Parse(r io.Reader, name string) (*File, error) {
	file := &File{Name: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cur *Case
	var code strings.Builder
	lineNo := 0
	// block is the open "## STDOUT:" block: where its text goes.
	var block *string
	var blockText strings.Builder
	blockStart := 0
	finish := func() {
		if cur != nil {
			cur.Code = code.String()
			file.Cases = append(file.Cases, cur)
		}
		code.Reset()
	}
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if block != nil {
			if strings.TrimRight(line, ":") == "## END" {
				*block = blockText.String()
				block = nil
				continue
			}
			// A few files start the next assertion without "## END".
			if !assertion.MatchString(line) {
				blockText.WriteString(line + "\n")
				continue
			}
			*block = blockText.String()
			block = nil
		}
		if title, ok := strings.CutPrefix(line, "####"); ok {
			finish()
			cur = &Case{File: name, Num: len(file.Cases), Title: strings.TrimSpace(title), Line: lineNo, Overrides: map[string]*Override{}}
			continue
		}
		m := assertion.FindStringSubmatch(line)
		if m == nil {
			if cur != nil {
				code.WriteString(line + "\n")
			}
			continue
		}
		verdict, shells, key, value := m[1], m[2], m[3], m[4]
		if cur == nil {
			if key == "compare_shells" {
				file.CompareShells = strings.Fields(value)
			}
			continue
		}
		targets := []*Expectation{&cur.Default}
		if verdict != "" {
			targets = targets[:0]
			for _, sh := range strings.Split(shells, "/") {
				o, ok := cur.Overrides[sh]
				if !ok {
					o = &Override{}
					cur.Overrides[sh] = o
				}
				o.Verdict = verdict // the latest label for the shell wins
				targets = append(targets, &o.Expectation)
			}
		}
		switch key {
		case "STDOUT", "STDERR":
			s := new(string)
			for _, t := range targets {
				if key == "STDOUT" {
					t.Stdout = s
				} else {
					t.Stderr = s
				}
			}
			block, blockStart = s, lineNo
			blockText.Reset()
		case "stdout", "stderr":
			s := value + "\n"
			for _, t := range targets {
				if key == "stdout" {
					t.Stdout = &s
				} else {
					t.Stderr = &s
				}
			}
		case "stdout-json", "stderr-json":
			var s string
			if err := json.Unmarshal([]byte(value), &s); err != nil {
				return nil, fmt.Errorf("%s:%d: %s: %v", name, lineNo, key, err)
			}
			for _, t := range targets {
				if key == "stdout-json" {
					t.Stdout = &s
				} else {
					t.Stderr = &s
				}
			}
		case "status":
			n, err := strconv.Atoi(value)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: status %q: %v", name, lineNo, value, err)
			}
			for _, t := range targets {
				t.Status = &n
			}
		default:
			// Other keys (tags, code, …) say nothing about the result.
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if block != nil {
		return nil, fmt.Errorf("%s:%d: block not closed by ## END", name, blockStart)
	}
	finish()
	return file, nil
}
