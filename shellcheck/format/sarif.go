package format

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// A hand-written subset of SARIF 2.1.0, enough for GitHub code scanning and
// other viewers: rules with help text, results with regions, stable
// fingerprints and safe fixes. (staticcheck does the same; the full schema
// is not worth a dependency.)
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	Help                 sarifText         `json:"help"`
	DefaultConfiguration map[string]string `json:"defaultConfiguration"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Fixes               []sarifFix        `json:"fixes,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifact      `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion `json:"deletedRegion"`
	InsertedContent sarifText   `json:"insertedContent"`
}

func sarifLevel(s analysis.Severity) string {
	switch s {
	case analysis.Error:
		return "error"
	case analysis.Warning:
		return "warning"
	}
	return "note"
}

func writeSARIF(w io.Writer, results []*shellcheck.Result, opts Options) error {
	registry := shellcheck.Registry()
	driver := sarifDriver{Name: "quirk", Version: opts.Version, InformationURI: "https://github.com/quirkcheck/quirk"}
	ruleIndex := map[*analysis.Analyzer]int{}
	for i, a := range registry {
		ruleIndex[a] = i
		_, body, _ := strings.Cut(a.Doc, "\n\n")
		driver.Rules = append(driver.Rules, sarifRule{
			ID: a.ID, Name: a.Name,
			ShortDescription:     sarifText{Text: a.Title()},
			FullDescription:      sarifText{Text: body},
			Help:                 sarifText{Text: a.Hint + "\n\n" + body, Markdown: "**" + a.Hint + "**\n\n```\n" + body + "\n```"},
			DefaultConfiguration: map[string]string{"level": sarifLevel(a.Severity)},
		})
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, ColumnKind: "unicodeCodePoints", Results: []sarifResult{}}
	for _, r := range results {
		li := newLineIndex(r.Src)
		uri := filepath.ToSlash(strings.TrimPrefix(r.Filename, "./"))
		occurrences := map[string]int{}
		for _, d := range r.Diagnostics {
			start, end := span(li, d)
			region := sarifRegion{StartLine: start.Line, StartColumn: start.Col, EndLine: end.Line, EndColumn: end.Col}
			// The fingerprint ignores line numbers, so a finding keeps its
			// identity when lines are added above it.
			key := d.Code() + "\x00" + strings.TrimSpace(string(li.line(start.Line)))
			occurrences[key]++
			sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d", key, occurrences[key])))
			res := sarifResult{
				RuleID: d.Code(), RuleIndex: ruleIndex[d.Analyzer], Level: sarifLevel(d.Severity),
				Message:             sarifText{Text: message(d)},
				Locations:           []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: uri}, Region: region}}},
				PartialFingerprints: map[string]string{"primaryLocationLineHash": hex.EncodeToString(sum[:8]) + ":1"},
			}
			if fix := d.SafeFix(); fix != nil {
				change := sarifArtifactChange{ArtifactLocation: sarifArtifact{URI: uri}}
				for _, e := range fix.Edits {
					s, en := li.pos(e.Start), li.pos(e.End)
					change.Replacements = append(change.Replacements, sarifReplacement{
						DeletedRegion:   sarifRegion{StartLine: s.Line, StartColumn: s.Col, EndLine: en.Line, EndColumn: en.Col},
						InsertedContent: sarifText{Text: e.NewText},
					})
				}
				res.Fixes = []sarifFix{{Description: sarifText{Text: fix.Message}, ArtifactChanges: []sarifArtifactChange{change}}}
			}
			run.Results = append(run.Results, res)
		}
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}
