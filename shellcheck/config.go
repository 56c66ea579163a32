package shellcheck

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// ConfigName is the per-directory settings file.
const ConfigName = ".quirkrc"

// Config is the content of .quirkrc files: "key = value" lines, "#"
// comments. Keys:
//
//	shell = bash             dialect for scripts that do not say
//	severity = warning       minimum severity to report
//	exclude = QK5011, QK5002 checks never to report (IDs or names)
//	include = QK5001         report only these
//	target-bash = 3.2        oldest bash to support (enables QK5010)
//
// Files are looked up from a script's directory to the root; a nearer file
// wins key by key, so a subdirectory can change one setting and inherit the
// rest.
type Config struct {
	Shell      analysis.Dialect
	Severity   analysis.Severity
	Exclude    []string
	Include    []string
	TargetBash int
	Files      []string // the files read, nearest first
}

// Apply fills in opts from the configuration for the script name with
// contents src: settings given on the command line (or by the editor) win,
// exclusions add up. The dialect comes from the configuration only when the
// script itself does not say (shebang, directive, extension).
func (c *Config) Apply(opts Options, name string, src []byte) Options {
	if opts.Dialect == analysis.Unknown && c.Shell != analysis.Unknown && analysis.DetectDialect(name, src) == analysis.Unknown {
		opts.Dialect = c.Shell
	}
	if opts.MinSeverity == 0 {
		opts.MinSeverity = c.Severity
	}
	if opts.TargetBash == 0 {
		opts.TargetBash = c.TargetBash
	}
	if len(opts.Include) == 0 {
		opts.Include = c.Include
	}
	opts.Exclude = slices.Concat(opts.Exclude, c.Exclude)
	return opts
}

// ParseBashVersion reads "3.2" or "5" as major*100+minor.
func ParseBashVersion(s string) (int, error) {
	major, minor, _ := strings.Cut(strings.TrimSpace(s), ".")
	ma, err1 := strconv.Atoi(major)
	mi := 0
	var err2 error
	if minor != "" {
		minor, _, _ = strings.Cut(minor, ".")
		mi, err2 = strconv.Atoi(minor)
	}
	if err1 != nil || err2 != nil || ma < 1 || ma > 99 || mi < 0 || mi > 99 {
		return 0, fmt.Errorf("bad bash version %q (want e.g. 3.2 or 5.1)", s)
	}
	return ma*100 + mi, nil
}

// parseConfig reads one .quirkrc file into c.
func parseConfig(path string, data []byte, c *Config) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("%s:%d: want key = value, got %q", path, n, line)
		}
		key, value = strings.TrimSpace(key), strings.Trim(strings.TrimSpace(value), `"'`)
		var err error
		switch key {
		case "shell":
			c.Shell, err = analysis.ParseDialect(value)
		case "severity":
			c.Severity, err = analysis.ParseSeverity(value)
		case "exclude", "disable":
			c.Exclude, err = parseCodes(value)
		case "include", "enable":
			c.Include, err = parseCodes(value)
		case "target-bash":
			c.TargetBash, err = ParseBashVersion(value)
		default:
			err = fmt.Errorf("unknown key %q (want shell, severity, exclude, include or target-bash)", key)
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %v", path, n, err)
		}
	}
	return sc.Err()
}

// parseCodes splits "QK5001, positional-default-not-last" and checks each.
func parseCodes(list string) ([]string, error) {
	codes := []string{}
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		if Lookup(f) == nil && !strings.HasPrefix(strings.ToUpper(f), "SC") {
			return nil, fmt.Errorf("unknown check %q", f)
		}
		codes = append(codes, f)
	}
	return codes, nil
}

// ConfigLoader finds and caches .quirkrc files per directory, so a walk over
// thousands of scripts reads each file once.
type ConfigLoader struct {
	mu    sync.Mutex
	cache map[string]*configEntry
}

type configEntry struct {
	cfg *Config
	err error
}

// ForFile returns the merged configuration that applies to a script at path.
func (l *ConfigLoader) ForFile(path string) (*Config, error) {
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	return l.forDir(dir)
}

func (l *ConfigLoader) forDir(dir string) (*Config, error) {
	l.mu.Lock()
	if l.cache == nil {
		l.cache = map[string]*configEntry{}
	}
	if e, ok := l.cache[dir]; ok {
		l.mu.Unlock()
		return e.cfg, e.err
	}
	l.mu.Unlock()

	cfg := &Config{}
	var err error
	if parent := filepath.Dir(dir); parent != dir {
		var inherited *Config
		inherited, err = l.forDir(parent)
		if inherited != nil {
			*cfg = *inherited
			cfg.Files = append([]string(nil), inherited.Files...)
		}
	}
	if err == nil {
		path := filepath.Join(dir, ConfigName)
		data, readErr := os.ReadFile(path)
		switch {
		case readErr == nil:
			// The nearer file wins: parse it into a fresh config, then
			// fill in from what the parents said.
			near := &Config{}
			if err = parseConfig(path, data, near); err == nil {
				merge(near, cfg)
				near.Files = append([]string{path}, cfg.Files...)
				cfg = near
			}
		case !os.IsNotExist(readErr):
			err = fmt.Errorf("%s: %v", path, readErr)
		}
	}
	l.mu.Lock()
	l.cache[dir] = &configEntry{cfg, err}
	l.mu.Unlock()
	return cfg, err
}

// merge fills keys unset in near from far.
func merge(near, far *Config) {
	if near.Shell == analysis.Unknown {
		near.Shell = far.Shell
	}
	if near.Severity == 0 {
		near.Severity = far.Severity
	}
	if near.Exclude == nil {
		near.Exclude = far.Exclude
	}
	if near.Include == nil {
		near.Include = far.Include
	}
	if near.TargetBash == 0 {
		near.TargetBash = far.TargetBash
	}
}
