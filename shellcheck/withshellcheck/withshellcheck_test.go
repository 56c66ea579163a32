package withshellcheck_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/expand/testenv"
	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"github.com/quirkcheck/quirk/shellcheck/withshellcheck"
)

func merged(t *testing.T, name, src string) *shellcheck.Result {
	t.Helper()
	testenv.NeedTool(t, "shellcheck")
	res, err := shellcheck.Check(name, []byte(src), shellcheck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := (withshellcheck.Runner{}).Merge(context.Background(), res); err != nil {
		t.Fatal(err)
	}
	return res
}

func byCode(res *shellcheck.Result, code string) []analysis.Diagnostic {
	var out []analysis.Diagnostic
	for _, d := range res.Diagnostics {
		if d.Code() == code {
			out = append(out, d)
		}
	}
	return out
}

// TestMerge runs real ShellCheck: its findings join quirk's with their SC
// codes, levels, ranges (after non-ASCII text) and fixes; the one that
// repeats a quirk finding (SC2124 on x=$@, QK5008) is folded into it.
func TestMerge(t *testing.T) {
	src := "#!/bin/bash\nx=$@\necho \"é😀\" $1\necho \"${@:0}\"\n"
	res := merged(t, "t.sh", src)
	var codes []string
	for _, d := range res.Diagnostics {
		codes = append(codes, d.Code())
	}
	want := []string{"SC2034", "QK5008", "SC2086", "QK5001"}
	if !slices.Equal(codes, want) {
		t.Fatalf("merged codes %q, want %q (sorted by position, SC2124 folded into QK5008)", codes, want)
	}
	q := byCode(res, "QK5008")[0]
	if !strings.Contains(q.Message, "SC2124") {
		t.Errorf("QK5008 does not name SC2124: %q", q.Message)
	}
	sc := byCode(res, "SC2086")[0]
	if got := src[sc.Start:sc.End]; got != "$1" || sc.Severity != analysis.Info {
		t.Errorf("SC2086 covers %q at %v, want $1 at info", got, sc.Severity)
	}
	if sc.Analyzer.Code() != 2086 || sc.Analyzer.URL != "https://www.shellcheck.net/wiki/SC2086" {
		t.Errorf("SC2086 analyzer %+v", sc.Analyzer)
	}
	fix := sc.SafeFix()
	if fix == nil {
		t.Fatal("SC2086 carries no fix")
	}
	fixed, err := analysis.ApplyEdits([]byte(src), fix.Edits)
	if err != nil || !strings.Contains(string(fixed), `echo "é😀" "$1"`) {
		t.Errorf("ShellCheck's fix gives %q (%v)", fixed, err)
	}
	if byCode(res, "SC2034")[0].Severity != analysis.Warning {
		t.Errorf("SC2034 level")
	}
}

// TestMergeNoZsh: ShellCheck does not read zsh; such scripts keep quirk's
// findings only, without an error.
func TestMergeNoZsh(t *testing.T) {
	res := merged(t, "t.zsh", "#!/bin/zsh\necho $1\n")
	for _, d := range res.Diagnostics {
		if strings.HasPrefix(d.Code(), "SC") {
			t.Errorf("zsh script got %s", d.Code())
		}
	}
}

func TestNotInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := withshellcheck.Runner{}.Available()
	if err != withshellcheck.ErrNotInstalled {
		t.Errorf("Available with an empty PATH: %v", err)
	}
}
