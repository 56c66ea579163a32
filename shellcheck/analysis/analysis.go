// Package analysis defines the interface between the checker and its rules,
// after golang.org/x/tools/go/analysis: a rule is an [Analyzer] whose Run
// function inspects a [Pass] and reports [Diagnostic] values, and whose
// [Probe] says how real shells show its findings ("quirk check --confirm").
// The [Index] holds the facts about a script that every rule shares, one
// file per kind of fact (see index.go).
package analysis

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Severity is a ShellCheck level. Lower values are more severe, so
// "at least warning" is sev <= Warning. The zero value means "the analyzer's
// default" in a Diagnostic.
type Severity int

const (
	Error Severity = iota + 1
	Warning
	Info
	Style
)

var severityNames = [...]string{"error", "warning", "info", "style"}

func (s Severity) String() string {
	if s < 1 || int(s) > len(severityNames) {
		return "Severity(" + strconv.Itoa(int(s)) + ")"
	}
	return severityNames[s-1]
}

// ParseSeverity accepts ShellCheck's level names.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(name, n) {
			return Severity(i + 1), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning, info or style)", name)
}

// Analyzer is one rule. Its ID is stable and never reused.
type Analyzer struct {
	ID       string    // "QK5001"; the json1 code is its number
	Name     string    // kebab-case alias usable in directives and config
	Doc      string    // "title\n\nbody"; the body shows a bad and a good example
	Hint     string    // one line: what to write instead (shown by the tty format)
	Severity Severity  // default level of its diagnostics
	Dialects []Dialect // dialects it applies to; nil means all
	// URL is the check's documentation page (docs/checks/QKnnnn.md in the
	// repository); the registry fills it in from the ID.
	URL string
	// Probe is how real shells show this rule's findings ("quirk check
	// --confirm"); nil for rules whose findings cannot be evaluated. A
	// rule whose diagnostics carry an Expr must have one: the checker
	// refuses to run it otherwise, so no finding can be lost silently.
	Probe *Probe
	// ShellCheck lists the ShellCheck codes that warn about the same
	// behaviour ("SC2068" for unquoted "$@"), so that a line its author
	// silenced with "# shellcheck disable=SC2068" is not reported again.
	// A diagnostic may narrow this to the codes ShellCheck gives that
	// particular construct (Diagnostic.ShellCheck).
	ShellCheck []string
	// Builtin analyzers are reported by the checker itself (directive
	// hygiene) rather than by a Run function.
	Builtin bool
	Run     func(*Pass)
}

// Confirmable reports whether "quirk check --confirm" can evaluate the
// analyzer's findings on real shells.
func (a *Analyzer) Confirmable() bool { return a.Probe != nil }

// DocURL is where every check's page lives: one Markdown file per check,
// generated from the registry.
func DocURL(id string) string {
	return "https://github.com/quirkcheck/quirk/blob/main/docs/checks/" + id + ".md"
}

// Title is the first line of the doc.
func (a *Analyzer) Title() string {
	title, _, _ := strings.Cut(a.Doc, "\n")
	return title
}

// Code is the numeric part of the ID, as ShellCheck's json1 "code". (The
// stand-ins for real ShellCheck's findings, --with-shellcheck, have SC IDs.)
func (a *Analyzer) Code() int {
	n, _ := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(a.ID, "QK"), "SC"))
	return n
}

// AppliesTo reports whether the analyzer runs on scripts of dialect d.
func (a *Analyzer) AppliesTo(d Dialect) bool {
	if len(a.Dialects) == 0 {
		return true
	}
	for _, x := range a.Dialects {
		if x == d {
			return true
		}
	}
	return false
}

var idPattern = regexp.MustCompile(`^QK[5-9][0-9]{3}$`)
var shellCheckPattern = regexp.MustCompile(`^SC[1-4][0-9]{3}$`)
var namePattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate checks an analyzer set the way analysis.Validate does: well-formed,
// unique IDs (never below QK5001, so they cannot collide with ShellCheck's
// codes), unique names, a doc, hint and Run function for each, and a probe
// that decides what its evaluation shows for each confirmable rule.
func Validate(analyzers []*Analyzer) error {
	ids := map[string]bool{}
	names := map[string]bool{}
	for _, a := range analyzers {
		switch {
		case !idPattern.MatchString(a.ID) || a.Code() < 5001:
			return fmt.Errorf("analyzer %q: ID must look like QK5001 and be at least 5001", a.ID)
		case !namePattern.MatchString(a.Name):
			return fmt.Errorf("analyzer %s: name %q is not kebab-case", a.ID, a.Name)
		case a.Run == nil && !a.Builtin:
			return fmt.Errorf("analyzer %s: no Run function", a.ID)
		case !strings.Contains(a.Doc, "\n\n") || a.Hint == "":
			return fmt.Errorf("analyzer %s: doc needs a title, a body and a hint", a.ID)
		case a.Probe != nil && a.Probe.Shows == nil:
			return fmt.Errorf("analyzer %s: its probe does not say what counts as surprising (Shows)", a.ID)
		case a.Probe != nil && a.Builtin:
			return fmt.Errorf("analyzer %s: builtin analyzers report no expressions to confirm", a.ID)
		case a.URL != "" && a.URL != DocURL(a.ID):
			return fmt.Errorf("analyzer %s: URL %q is not its documentation page %s", a.ID, a.URL, DocURL(a.ID))
		case slices.ContainsFunc(a.ShellCheck, func(c string) bool { return !shellCheckPattern.MatchString(c) }):
			return fmt.Errorf("analyzer %s: ShellCheck codes %q must look like SC2068", a.ID, a.ShellCheck)
		case ids[a.ID] || names[a.Name]:
			return fmt.Errorf("analyzer %s (%s) is registered twice", a.ID, a.Name)
		}
		ids[a.ID], names[a.Name] = true, true
	}
	return nil
}

// Pass is what an analyzer sees of one file.
type Pass struct {
	Analyzer *Analyzer
	File     *syntax.File
	Src      []byte
	Filename string
	Dialect  Dialect
	Index    *Index // one shared walk of the tree; see index.go
	// TargetBash is the oldest bash the script must run on, as
	// major*100+minor (302 for 3.2), or 0 when no target was given.
	TargetBash int
	Report     func(Diagnostic)
}

// Reportf reports a diagnostic over node with the analyzer's severity.
func (p *Pass) Reportf(node syntax.Node, format string, args ...any) {
	p.Report(Diagnostic{Start: int(node.Pos().Offset()), End: int(node.End().Offset()), Message: fmt.Sprintf(format, args...)})
}

// Text returns the source text of node.
func (p *Pass) Text(node syntax.Node) string {
	return string(p.Src[node.Pos().Offset():node.End().Offset()])
}

// Diagnostic is one finding. Start and End are byte offsets into the source.
type Diagnostic struct {
	// Analyzer is the rule that reported it; filled in by the checker.
	// Formatters read its ID, URL, hint and title from here.
	Analyzer   *Analyzer
	Start, End int
	Severity   Severity // zero: the analyzer's default
	Message    string
	Fixes      []SuggestedFix // alternatives; at most one is applied
	// Expr is a shell word that shows the surprise when evaluated, with
	// Setup run first (e.g. "n=0"); the analyzer's Probe turns them into
	// cases for --confirm. Setup may only hold what the rule proved
	// (integer constants, arrays filled from "$@"), never the script's own
	// data: --confirm refuses anything else. Contrast, when set, is what
	// was probably meant ("${@:1}" for "${@:0}"), evaluated beside it so
	// the evidence shows the difference.
	Expr, Setup, Contrast string
	Evidence              []string // filled in by --confirm
	// ShellCheck, when set, is the subset of the analyzer's ShellCheck
	// codes that ShellCheck itself gives this construct: "$*" unquoted
	// gets SC2048 and SC2086, "$@" SC2068, a=($@) SC2206.
	ShellCheck []string
	// Unconfirmed says why --confirm could not evaluate this finding (a
	// value it did not prove, a sandbox failure); the finding is kept.
	Unconfirmed string
}

// Code is the ID of the analyzer that reported d ("QK5001").
func (d *Diagnostic) Code() string {
	if d.Analyzer == nil {
		return ""
	}
	return d.Analyzer.ID
}

// SuggestedFix is a set of non-overlapping edits. Unsafe fixes change
// behaviour in a way the author may not want; they are shown as suggestions
// but never applied automatically (json1 and diff only carry safe fixes).
type SuggestedFix struct {
	Message string // a verb phrase: "Use "$@" instead"
	Edits   []TextEdit
	Unsafe  bool
}

// TextEdit replaces Src[Start:End] with NewText; Start == End inserts.
type TextEdit struct {
	Start, End int
	NewText    string
}

// SafeFix returns the first fix that is safe to apply, if any.
func (d *Diagnostic) SafeFix() *SuggestedFix {
	for i := range d.Fixes {
		if !d.Fixes[i].Unsafe {
			return &d.Fixes[i]
		}
	}
	return nil
}

// ShellCheckCodes are the ShellCheck codes that warn about the same thing as
// d: its own list, or its analyzer's.
func (d *Diagnostic) ShellCheckCodes() []string {
	if d.ShellCheck != nil || d.Analyzer == nil {
		return d.ShellCheck
	}
	return d.Analyzer.ShellCheck
}
