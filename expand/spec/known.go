package spec

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/quirkcheck/quirk/expand"
)

// Known is one accepted divergence, kept in known-divergences.txt with the
// reason it is accepted. Two kinds are tracked:
//
//	bash   bash on this system does not give what the file expects
//	mvdan  mvdan.cc/sh differs from real bash (stdout or exit status)
//
// Anything else that shows up is new and fails the tests (and makes
// "quirk expand --spec" exit 1); an entry that no longer happens is stale
// and fails too, so the list stays true.
type Known struct {
	ID, Engine, Reason string
}

//go:embed known-divergences.txt
var knownText string

// DefaultKnown is the project's manifest for the Oils corpus it ships with.
func DefaultKnown() []Known {
	k, err := ParseKnown(strings.NewReader(knownText))
	if err != nil {
		panic("spec: embedded known-divergences.txt: " + err.Error())
	}
	return k
}

// ParseKnown reads "ID | engine | reason" lines; "#" starts a comment.
func ParseKnown(r io.Reader) ([]Known, error) {
	var out []Known
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "|", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("line %d: want \"ID | engine | reason\", got %q", n, line)
		}
		k := Known{ID: strings.TrimSpace(parts[0]), Engine: strings.TrimSpace(parts[1]), Reason: strings.TrimSpace(parts[2])}
		if k.Engine != "bash" && k.Engine != expand.Mvdan {
			return nil, fmt.Errorf("line %d: engine %q: only bash and mvdan divergences are tracked", n, k.Engine)
		}
		if k.Reason == "" {
			return nil, fmt.Errorf("line %d: %s has no reason", n, k.ID)
		}
		out = append(out, k)
	}
	return out, sc.Err()
}

// Divergence is an observed bash failure or mvdan/bash disagreement.
type Divergence struct {
	ID, Title, Engine, Detail string
}

func (d Divergence) String() string {
	return fmt.Sprintf("%s | %s | %s (%s)", d.ID, d.Engine, d.Detail, d.Title)
}

// Divergences lists what the report shows for the tracked kinds.
func (rep *Report) Divergences() []Divergence {
	var out []Divergence
	for _, c := range rep.Cases {
		if b := find(c.Outcomes, "bash"); b != nil && (b.Verdict == Fail || b.Verdict == Error) {
			out = append(out, Divergence{c.ID, c.Title, "bash", b.Why})
		}
		if c.MvdanAgreesWithBash != nil && !*c.MvdanAgreesWithBash {
			m, b := find(c.Outcomes, expand.Mvdan), find(c.Outcomes, "bash")
			detail := fmt.Sprintf("mvdan stdout %q status %d, bash stdout %q status %d",
				clip(m.Result.Stdout), m.Result.Status, clip(b.Result.Stdout), b.Result.Status)
			if m.Result.Err != nil {
				detail = "mvdan: " + m.Result.Err.Error()
			}
			out = append(out, Divergence{c.ID, c.Title, expand.Mvdan, detail})
		}
	}
	return out
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// Check compares the report with the manifest: unexpected divergences
// (not listed) and stale entries (listed, not seen). Only cases the report
// ran with both engines count, so running one file checks one file.
func (rep *Report) Check(known []Known) (unexpected []Divergence, stale []Known) {
	seen := map[string]bool{}
	for _, d := range rep.Divergences() {
		key := d.ID + "|" + d.Engine
		seen[key] = true
		if !slices.ContainsFunc(known, func(k Known) bool { return k.ID == d.ID && k.Engine == d.Engine }) {
			unexpected = append(unexpected, d)
		}
	}
	ran := map[string]bool{}
	for _, c := range rep.Cases {
		if find(c.Outcomes, "bash") != nil && (find(c.Outcomes, expand.Mvdan) != nil) {
			ran[c.ID] = true
		}
	}
	for _, k := range known {
		if ran[k.ID] && !seen[k.ID+"|"+k.Engine] {
			stale = append(stale, k)
		}
	}
	return unexpected, stale
}
