package corehook

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/corehook"
)

// jsonMode is --json (pretty), --json=pretty, --json=short or --json=off,
// as coredumpctl takes it.
type jsonMode string

func (j *jsonMode) String() string   { return string(*j) }
func (j *jsonMode) IsBoolFlag() bool { return true }
func (j *jsonMode) Set(v string) error {
	switch v {
	case "true", "pretty":
		*j = "pretty"
	case "short":
		*j = "short"
	case "false", "off":
		*j = ""
	default:
		return fmt.Errorf("--json=%s: want short, pretty or off", v)
	}
	return nil
}

func (j jsonMode) on() bool { return j != "" }

// write uses base's JSON writers, so pretty is every other --json's style.
func (j jsonMode) write(w io.Writer, v any) error {
	if j == "short" {
		return base.WriteJSONLine(w, v)
	}
	return base.WriteJSON(w, v)
}

// queryOpts are list's selection flags, after coredumpctl.
type queryOpts struct {
	since, until string
	last1        bool // -1: only the newest
	n            int  // -n N: the newest N
	reverse      bool // -r: newest first
	noLegend     bool
	json         jsonMode
	out          string // dump -o
	debugger     string // debug --debugger
	debugArgs    string // debug -A
	now          func() time.Time
}

// parseTime reads --since/--until: RFC 3339, "2006-01-02 15:04:05",
// "2006-01-02", "now", "today", "yesterday", or "-1h"-style offsets.
func parseTime(s string, now time.Time) (time.Time, error) {
	switch s {
	case "now":
		return now, nil
	case "today":
		y, m, d := now.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, now.Location()), nil
	case "yesterday":
		y, m, d := now.AddDate(0, 0, -1).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, now.Location()), nil
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		d, err := time.ParseDuration(strings.TrimSuffix(strings.TrimSuffix(s, " ago"), "ago"))
		if err == nil {
			return now.Add(d), nil
		}
	}
	for _, layout := range []string{time.RFC3339, time.DateTime, "2006-01-02 15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read time %q (want e.g. 2026-12-01 10:00:00, today, -2h)", s)
}

// match is one operand: a pid, an executable path, a comm, or FIELD=VALUE
// with FIELD one of pid, uid, comm, exe (COREDUMP_PID etc. also work).
type match struct{ field, value string }

func parseMatch(s string) match {
	if k, v, ok := strings.Cut(s, "="); ok {
		k = strings.ToLower(strings.TrimPrefix(strings.ToUpper(k), "COREDUMP_"))
		switch k {
		case "pid", "uid", "comm", "exe":
			return match{k, v}
		}
	}
	if _, err := strconv.Atoi(s); err == nil {
		return match{"pid", s}
	}
	if strings.Contains(s, "/") {
		return match{"exe", s}
	}
	return match{"comm", s}
}

func (m match) ok(e *corehook.Meta) bool {
	switch m.field {
	case "pid":
		n, _ := strconv.Atoi(m.value)
		return e.PID == n || e.NSPID == n
	case "uid":
		n, err := strconv.ParseUint(m.value, 10, 32)
		return err == nil && e.UID == uint32(n)
	case "comm":
		return e.Comm == m.value
	case "exe":
		if e.Exe == m.value {
			return true
		}
		// A bare name given with a path component matches by base name
		// only if it is not absolute: "./x" is not "/opt/x".
		return !filepath.IsAbs(m.value) && filepath.Base(e.Exe) == filepath.Base(m.value)
	}
	return false
}

// selectEntries applies matches (any of them), the time window, -n/-1 and -r.
func selectEntries(all []corehook.Entry, args []string, o queryOpts) ([]corehook.Entry, error) {
	now := time.Now()
	if o.now != nil {
		now = o.now()
	}
	var since, until time.Time
	var err error
	if o.since != "" {
		if since, err = parseTime(o.since, now); err != nil {
			return nil, err
		}
	}
	if o.until != "" {
		if until, err = parseTime(o.until, now); err != nil {
			return nil, err
		}
	}
	var ms []match
	for _, a := range args {
		ms = append(ms, parseMatch(a))
	}
	var out []corehook.Entry
	for _, e := range all {
		if !since.IsZero() && e.Time.Before(since) || !until.IsZero() && e.Time.After(until) {
			continue
		}
		hit := len(ms) == 0
		for _, m := range ms {
			if m.ok(&e.Meta) {
				hit = true
				break
			}
		}
		if hit {
			out = append(out, e)
		}
	}
	n := o.n
	if o.last1 {
		n = 1
	}
	if n > 0 && len(out) > n {
		out = out[len(out)-n:]
	}
	if o.reverse {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, nil
}

// corefile says whether the core is still there, as coredumpctl's
// COREFILE column: present, missing, truncated, or none (never stored).
func corefile(e *corehook.Entry) string {
	switch {
	case e.CorePath == "":
		return "none"
	case e.Truncated:
		if _, err := os.Stat(e.CorePath); err != nil {
			return "missing"
		}
		return "truncated"
	}
	if _, err := os.Stat(e.CorePath); err != nil {
		return "missing"
	}
	return "present"
}
