package format

import (
	"encoding/json"
	"io"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// json1 is ShellCheck's --format=json1, field for field, so that tools such
// as bash-language-server can run quirk in place of shellcheck. Every key is
// always present; "fix" is null when there is no safe fix.
type json1Output struct {
	Comments []json1Comment `json:"comments"`
}

type json1Comment struct {
	File      string    `json:"file"`
	Line      int       `json:"line"`
	EndLine   int       `json:"endLine"`
	Column    int       `json:"column"`
	EndColumn int       `json:"endColumn"`
	Level     string    `json:"level"`
	Code      int       `json:"code"`
	Message   string    `json:"message"`
	Fix       *json1Fix `json:"fix"`
}

type json1Fix struct {
	Replacements []json1Replacement `json:"replacements"`
}

type json1Replacement struct {
	Line           int    `json:"line"`
	Column         int    `json:"column"`
	EndLine        int    `json:"endLine"`
	EndColumn      int    `json:"endColumn"`
	Precedence     int    `json:"precedence"`
	InsertionPoint string `json:"insertionPoint"`
	Replacement    string `json:"replacement"`
}

func writeJSON1(w io.Writer, results []*shellcheck.Result) error {
	return encodeJSON(w, json1Output{Comments: json1Comments(results)})
}

// writeJSON is ShellCheck's older --format=json: the same comments as
// json1, as a bare array (nvim-lint, trunk and vscode-shellcheck before
// ShellCheck 0.7 read it).
func writeJSON(w io.Writer, results []*shellcheck.Result) error {
	return encodeJSON(w, json1Comments(results))
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func json1Comments(results []*shellcheck.Result) []json1Comment {
	comments := []json1Comment{}
	for _, r := range results {
		li := newLineIndex(r.Src)
		for _, d := range r.Diagnostics {
			start, end := span(li, d)
			c := json1Comment{
				File: displayName(r), Line: start.Line, EndLine: end.Line, Column: start.Col, EndColumn: end.Col,
				Level: d.Severity.String(), Code: d.Analyzer.Code(), Message: message(d),
			}
			if fix := d.SafeFix(); fix != nil {
				c.Fix = &json1Fix{Replacements: replacements(li, fix.Edits)}
			}
			comments = append(comments, c)
		}
	}
	return comments
}

func replacements(li *lineIndex, edits []analysis.TextEdit) []json1Replacement {
	reps := make([]json1Replacement, 0, len(edits))
	for _, e := range edits {
		s, en := li.pos(e.Start), li.pos(e.End)
		reps = append(reps, json1Replacement{
			Line: s.Line, Column: s.Col, EndLine: en.Line, EndColumn: en.Col,
			Precedence: 1, InsertionPoint: "afterEnd", Replacement: e.NewText,
		})
	}
	return reps
}
