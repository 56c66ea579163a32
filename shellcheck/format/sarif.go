package format

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
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
	Tool               sarifTool                    `json:"tool"`
	Invocations        []sarifInvocation            `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactRoot `json:"originalUriBaseIds,omitempty"`
	ColumnKind         string                       `json:"columnKind"`
	Results            []sarifResult                `json:"results"`
}

// sarifArtifactRoot is where a uriBaseId points: the repository root as an
// absolute file URI ending in "/".
type sarifArtifactRoot struct {
	URI string `json:"uri"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name            string      `json:"name"`
	Version         string      `json:"version,omitempty"`
	SemanticVersion string      `json:"semanticVersion,omitempty"`
	InformationURI  string      `json:"informationUri"`
	Rules           []sarifRule `json:"rules"`
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
	HelpURI              string            `json:"helpUri"`
	Help                 sarifText         `json:"help"`
	DefaultConfiguration map[string]string `json:"defaultConfiguration"`
	Properties           sarifRuleProps    `json:"properties"`
}

// sarifRuleProps are the rule properties GitHub code scanning reads: tags
// to filter by, how often the rule is right, and the severity it shows.
type sarifRuleProps struct {
	Tags            []string `json:"tags"`
	Precision       string   `json:"precision"`
	ProblemSeverity string   `json:"problem.severity"`
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
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
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

// srcRoot is the uriBaseId of every artifact under the repository root.
const srcRoot = "SRCROOT"

// artifactLocator makes SARIF artifact locations: percent-encoded URIs
// relative to the repository root (the nearest directory above the working
// directory holding .git, else the working directory) with uriBaseId
// SRCROOT; a file outside it gets an absolute file: URI.
type artifactLocator struct {
	root string // absolute, cleaned
}

func newArtifactLocator(root string) *artifactLocator {
	if root == "" {
		root = repoRoot()
	}
	return &artifactLocator{root: root}
}

func repoRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return wd
		}
	}
}

func (l *artifactLocator) baseIDs() map[string]sarifArtifactRoot {
	if l.root == "" {
		return nil
	}
	return map[string]sarifArtifactRoot{srcRoot: {URI: fileURI(l.root, true)}}
}

func (l *artifactLocator) locate(name string) sarifArtifact {
	if name == "-" {
		return sarifArtifact{URI: "stdin"}
	}
	abs, err := filepath.Abs(name)
	if err != nil || l.root == "" {
		return sarifArtifact{URI: escapePath(filepath.ToSlash(name))}
	}
	rel, err := filepath.Rel(l.root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return sarifArtifact{URI: fileURI(abs, false)}
	}
	return sarifArtifact{URI: escapePath(filepath.ToSlash(rel)), URIBaseID: srcRoot}
}

// escapePath percent-encodes each segment of a slash-separated path
// (spaces, "#", "?", "%" and non-ASCII), keeping the slashes.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func fileURI(abs string, dir bool) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive path: file:///C:/...
	}
	if dir && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return "file://" + escapePath(p)
}

// ruleTags and ruleProps describe a check for code scanning.
func ruleProps(a *analysis.Analyzer) sarifRuleProps {
	tags := []string{"shell", "correctness"}
	if strings.HasPrefix(a.ID, "SC") {
		tags = []string{"shell", "shellcheck"}
	}
	if a.Builtin {
		tags = []string{"shell", "maintainability"}
	}
	for _, d := range a.Dialects {
		tags = append(tags, string(d))
	}
	// Every rule is tested against real shells and a corpus; the
	// confirmable ones can prove each finding in a shell.
	precision := "high"
	if a.Confirmable() {
		precision = "very-high"
	}
	severity := map[analysis.Severity]string{analysis.Error: "error", analysis.Warning: "warning"}[a.Severity]
	if severity == "" {
		severity = "recommendation"
	}
	return sarifRuleProps{Tags: tags, Precision: precision, ProblemSeverity: severity}
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
	registry := slices.Clone(shellcheck.Registry())  // appended to below
	version, _, _ := strings.Cut(opts.Version, "\n") // "quirk v1.2.0 (abc…)"; the rest is dependency detail
	driver := sarifDriver{
		Name: "quirk", Version: strings.TrimPrefix(version, "quirk "), SemanticVersion: opts.SemanticVersion,
		InformationURI: "https://github.com/quirkcheck/quirk",
	}
	loc := newArtifactLocator(opts.Root)
	// Real ShellCheck's findings (--with-shellcheck) bring their own rules.
	for _, r := range results {
		for _, d := range r.Diagnostics {
			if d.Analyzer != nil && !slices.Contains(registry, d.Analyzer) {
				registry = append(registry, d.Analyzer)
			}
		}
	}
	ruleIndex := map[*analysis.Analyzer]int{}
	for i, a := range registry {
		ruleIndex[a] = i
		_, body, _ := strings.Cut(a.Doc, "\n\n")
		driver.Rules = append(driver.Rules, sarifRule{
			ID: a.ID, Name: a.Name,
			ShortDescription:     sarifText{Text: a.Title()},
			FullDescription:      sarifText{Text: body},
			HelpURI:              cmp.Or(a.URL, analysis.DocURL(a.ID)),
			Properties:           ruleProps(a),
			Help:                 sarifText{Text: a.Hint + "\n\n" + body, Markdown: "**" + a.Hint + "**\n\n```\n" + body + "\n```"},
			DefaultConfiguration: map[string]string{"level": sarifLevel(a.Severity)},
		})
	}
	inv := sarifInvocation{ExecutionSuccessful: len(opts.Failures) == 0, ToolExecutionNotifications: []sarifNotification{}}
	for _, f := range opts.Failures {
		n := sarifNotification{Level: "error", Message: sarifText{Text: f.Message}}
		if f.Filename != "" {
			n.Locations = []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: loc.locate(f.Filename)}}}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	run := sarifRun{
		Tool: sarifTool{Driver: driver}, Invocations: []sarifInvocation{inv}, OriginalURIBaseIDs: loc.baseIDs(),
		ColumnKind: "unicodeCodePoints", Results: []sarifResult{},
	}
	for _, r := range results {
		li := newLineIndex(r.Src)
		artifact := loc.locate(r.Filename)
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
				Locations:           []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: artifact, Region: &region}}},
				PartialFingerprints: map[string]string{"primaryLocationLineHash": hex.EncodeToString(sum[:8]) + ":1"},
			}
			if fix := d.SafeFix(); fix != nil {
				change := sarifArtifactChange{ArtifactLocation: artifact}
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
