package lsp

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// Settings are the client-side options, section "quirk" of the editor's
// configuration (or the initializationOptions). Unset fields fall back to
// the .quirkrc files next to the script, then to quirk's defaults.
type Settings struct {
	Shell      string   `json:"shell,omitempty"`      // dialect for scripts that do not say
	Severity   string   `json:"severity,omitempty"`   // minimum level: error, warning, info, style
	Exclude    []string `json:"exclude,omitempty"`    // checks never to report
	Include    []string `json:"include,omitempty"`    // report only these
	TargetBash string   `json:"targetBash,omitempty"` // oldest bash, "3.2"
	// RealShells lets a hover run the finding's expression in real shells
	// (in quirk's sandbox) and show what they print. Off by default: it
	// starts processes, though only on a hover, never on a keystroke.
	RealShells *bool `json:"realShells,omitempty"`
	// DebounceMs is how long edits must pause before a re-check.
	DebounceMs *int `json:"debounceMs,omitempty"`
	// WithShellcheck also runs the real ShellCheck and merges its
	// findings (the CLI's --with-shellcheck).
	WithShellcheck *bool `json:"withShellcheck,omitempty"`
	// IgnoreRC ignores .quirkrc files (the CLI's --norc).
	IgnoreRC bool `json:"norc,omitempty"`
}

// parseSettings accepts {"quirk": {...}} as well as the bare section:
// clients differ in which one they send with didChangeConfiguration and
// initializationOptions.
func parseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if len(raw) == 0 || string(raw) == "null" {
		return s, nil
	}
	var wrapped struct {
		Quirk *json.RawMessage `json:"quirk"`
	}
	if err := json.Unmarshal(raw, &wrapped); err == nil && wrapped.Quirk != nil {
		raw = *wrapped.Quirk
	}
	if string(raw) == "null" {
		return s, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return Settings{}, fmt.Errorf("quirk settings: %v", err)
	}
	return s, nil
}

// over returns s with every field it leaves unset taken from base.
func (s Settings) over(base Settings) Settings {
	if s.Shell == "" {
		s.Shell = base.Shell
	}
	if s.Severity == "" {
		s.Severity = base.Severity
	}
	if s.Exclude == nil {
		s.Exclude = base.Exclude
	}
	if s.Include == nil {
		s.Include = base.Include
	}
	if s.TargetBash == "" {
		s.TargetBash = base.TargetBash
	}
	if s.RealShells == nil {
		s.RealShells = base.RealShells
	}
	if s.DebounceMs == nil {
		s.DebounceMs = base.DebounceMs
	}
	if s.WithShellcheck == nil {
		s.WithShellcheck = base.WithShellcheck
	}
	s.IgnoreRC = s.IgnoreRC || base.IgnoreRC
	return s
}

func (s Settings) realShells() bool { return s.RealShells != nil && *s.RealShells }

func (s Settings) withShellcheck() bool { return s.WithShellcheck != nil && *s.WithShellcheck }

// defaultDebounce is short: quirk checks in-process in milliseconds, so
// the pause only has to outlast a burst of typing.
const defaultDebounce = 150 * time.Millisecond

func (s Settings) debounce() time.Duration {
	if s.DebounceMs == nil || *s.DebounceMs < 0 {
		return defaultDebounce
	}
	return time.Duration(*s.DebounceMs) * time.Millisecond
}

// options resolves the settings for one script: editor settings first,
// then .quirkrc (found from the script's directory), then defaults. A bad
// value is reported, and the rest still apply.
func (s Settings) options(path, src string, loader *shellcheck.ConfigLoader) (shellcheck.Options, []string) {
	var opts shellcheck.Options
	var problems []string
	var err error
	if s.Shell != "" {
		if opts.Dialect, err = analysis.ParseDialect(s.Shell); err != nil {
			problems = append(problems, "quirk.shell: "+err.Error())
		}
	}
	if s.Severity != "" {
		if opts.MinSeverity, err = analysis.ParseSeverity(s.Severity); err != nil {
			problems = append(problems, "quirk.severity: "+err.Error())
		}
	}
	if s.TargetBash != "" {
		if opts.TargetBash, err = shellcheck.ParseBashVersion(s.TargetBash); err != nil {
			problems = append(problems, "quirk.targetBash: "+err.Error())
		}
	}
	opts.Include, opts.Exclude = s.Include, s.Exclude
	if s.IgnoreRC || path == "" {
		return opts, problems
	}
	cfg, err := loader.ForFile(path)
	if err != nil {
		return opts, append(problems, err.Error())
	}
	return cfg.Apply(opts, path, []byte(src)), problems
}

// filePath turns a file: URI into a local path; other schemes (untitled:)
// have none, and then no .quirkrc applies.
func filePath(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return ""
	}
	return filepath.FromSlash(u.Path)
}

// displayName is what the checker calls the document (shown in messages
// and used for dialect detection by extension).
func displayName(uri string) string {
	if p := filePath(uri); p != "" {
		return p
	}
	if i := strings.LastIndexAny(uri, "/:"); i >= 0 {
		return uri[i+1:]
	}
	return uri
}
