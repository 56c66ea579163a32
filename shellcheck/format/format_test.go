package format_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"github.com/quirkcheck/quirk/expand/testenv"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"github.com/quirkcheck/quirk/shellcheck/format"
)

const script = "#!/bin/bash\n\techo \"${@:0}\" $1\nx=$@\nfor a in $@; do echo \"é$*\" $10; done\n"

// formatRules are the rules these tests' scripts exercise. A fixed list keeps
// the expected outputs independent of rules added later.
var formatRules = []string{"QK5001", "QK5002", "QK5003", "QK5005", "QK5006", "QK5007", "QK5008", "QK5011", "QK5012"}

func check(t *testing.T, name, src string) *shellcheck.Result {
	t.Helper()
	res, err := shellcheck.Check(name, []byte(src), shellcheck.Options{Include: formatRules})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func write(t *testing.T, name string, results ...*shellcheck.Result) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := format.Write(&b, name, results, format.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func requireTool(t *testing.T, name string) string {
	t.Helper()
	return testenv.NeedTool(t, name)
}

// keyShape describes a JSON value by its keys and value kinds, recursively,
// so that two outputs can be compared as contracts rather than contents.
func keyShape(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			out[k] = keyShape(x)
		}
		return out
	case []any:
		if len(v) == 0 {
			return "[]"
		}
		return []any{keyShape(v[0])}
	case float64:
		return "number"
	case string:
		return "string"
	case nil:
		return "null"
	}
	return reflect.TypeOf(v).String()
}

// TestJSON1MatchesShellCheck holds quirk's json1 to the shape real ShellCheck
// prints, key for key and type for type, for a comment without a fix and
// one with a fix: that is what bash-language-server validates.
func TestJSON1MatchesShellCheck(t *testing.T) {
	sc := requireTool(t, "shellcheck")
	dir := t.TempDir()
	path := filepath.Join(dir, "t.sh")
	// SC2086 carries a fix; SC2034 does not.
	if err := os.WriteFile(path, []byte("#!/bin/bash\nunused=1\necho $1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(sc, "-f", "json1", path).Output()
	var theirs map[string]any
	if err := json.Unmarshal(out, &theirs); err != nil {
		t.Fatalf("shellcheck json1: %v\n%s", err, out)
	}
	var theirFix, theirNoFix any
	for _, c := range theirs["comments"].([]any) {
		if c.(map[string]any)["fix"] == nil {
			theirNoFix = keyShape(c)
		} else {
			theirFix = keyShape(c)
		}
	}
	var ours map[string]any
	// QK5011 on $@ has a safe fix; QK5001 has none.
	if err := json.Unmarshal(write(t, "json1", check(t, "-", "#!/bin/bash\necho \"${@:0}\" $@\n")), &ours); err != nil {
		t.Fatal(err)
	}
	var ourFix, ourNoFix any
	for _, c := range ours["comments"].([]any) {
		if c.(map[string]any)["fix"] == nil {
			ourNoFix = keyShape(c)
		} else {
			ourFix = keyShape(c)
		}
		if c.(map[string]any)["file"] != "-" {
			t.Errorf("stdin must be reported as file \"-\": %v", c)
		}
	}
	if theirFix == nil || theirNoFix == nil || ourFix == nil || ourNoFix == nil {
		t.Fatalf("need comments with and without fixes from both tools:\n%s", out)
	}
	if !reflect.DeepEqual(ourNoFix, theirNoFix) {
		t.Errorf("comment shape differs from ShellCheck's:\nours   %v\ntheirs %v", ourNoFix, theirNoFix)
	}
	if !reflect.DeepEqual(ourFix, theirFix) {
		t.Errorf("fixed comment shape differs from ShellCheck's:\nours   %v\ntheirs %v", ourFix, theirFix)
	}
}

func TestJSON1Positions(t *testing.T) {
	var out struct {
		Comments []struct {
			Line, EndLine, Column, EndColumn, Code int
			Level                                  string
		}
	}
	if err := json.Unmarshal(write(t, "json1", check(t, "t.sh", script)), &out); err != nil {
		t.Fatal(err)
	}
	type pos struct{ code, line, col, endCol int }
	var got []pos
	for _, c := range out.Comments {
		got = append(got, pos{c.Code, c.Line, c.Column, c.EndColumn})
	}
	// Line 2 starts with a tab, which counts as one column, and line 4
	// has "é", one column although two bytes.
	want := []pos{{5001, 2, 8, 14}, {5008, 3, 3, 5}, {5011, 4, 10, 12}, {5007, 4, 28, 31}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("positions\ngot  %v\nwant %v", got, want)
	}
	empty := write(t, "json1", check(t, "ok.sh", "#!/bin/sh\necho \"$@\"\n"))
	if string(empty) != "{\"comments\":[]}\n" {
		t.Errorf("clean file: %s", empty)
	}
}

// TestDiffAppliesWithPatch: the diff format must be a patch that the real
// patch(1) applies to give exactly the safely fixed script.
func TestDiffAppliesWithPatch(t *testing.T) {
	patch := requireTool(t, "patch")
	dir := t.TempDir()
	var src strings.Builder
	src.WriteString("#!/bin/bash\n")
	for i := range 30 {
		if i%9 == 0 {
			src.WriteString("printf '%s\\n' $@ ${#@} \"$*\"\n") // QK5011: safe fix
		} else {
			src.WriteString("echo line\n")
		}
	}
	src.WriteString("x=$@") // no final newline; QK5008 fix is safe with default IFS
	path := filepath.Join(dir, "s.sh")
	if err := os.WriteFile(path, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	res := check(t, "s.sh", src.String())
	diff := write(t, "diff", res)
	cmd := exec.Command(patch, "-p1", "--quiet")
	cmd.Dir, cmd.Stdin = dir, bytes.NewReader(diff)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("patch failed: %v\n%s\n%s", err, out, diff)
	}
	got, _ := os.ReadFile(path)
	var edits []analysis.TextEdit
	for _, d := range res.Diagnostics {
		if f := d.SafeFix(); f != nil {
			edits = append(edits, f.Edits...)
		}
	}
	want, err := analysis.ApplyEdits([]byte(src.String()), edits)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) || bytes.Contains(got, []byte(" $@ ")) {
		t.Errorf("patched file:\n%s\nwant:\n%s\ndiff:\n%s", got, want, diff)
	}
}

func TestDiffNothingFixable(t *testing.T) {
	var b bytes.Buffer
	err := format.Write(&b, "diff", []*shellcheck.Result{check(t, "t.sh", "#!/bin/bash\necho \"${@:0}\"\n")}, format.Options{})
	if err != format.ErrNothingFixable || b.Len() != 0 {
		t.Errorf("got %v, %q", err, b.String())
	}
}

func TestCheckstyle(t *testing.T) {
	out := write(t, "checkstyle", check(t, "dir/t.sh", script), check(t, "clean.sh", "echo\n"))
	var doc struct {
		Files []struct {
			Name   string `xml:"name,attr"`
			Errors []struct {
				Line     int    `xml:"line,attr"`
				Severity string `xml:"severity,attr"`
				Message  string `xml:"message,attr"`
				Source   string `xml:"source,attr"`
			} `xml:"error"`
		} `xml:"file"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	if len(doc.Files) != 2 || doc.Files[0].Name != "dir/t.sh" || len(doc.Files[1].Errors) != 0 {
		t.Fatalf("files: %+v", doc.Files)
	}
	first := doc.Files[0].Errors[0]
	if first.Source != "quirk.QK5001" || first.Line != 2 || !strings.HasPrefix(first.Message, `"${@:0}" starts at $0`) {
		t.Errorf("first error: %+v", first)
	}
	if bytes.Contains(out, []byte(`"`)) && !bytes.Contains(out, []byte("&#34;")) {
		t.Errorf("quotes must be escaped as entities")
	}
}

func TestGCC(t *testing.T) {
	out := string(write(t, "gcc", check(t, "t.sh", script)))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "t.sh:2:8: warning: ") || !strings.HasSuffix(lines[0], "[QK5001]") {
		t.Errorf("gcc output:\n%s", out)
	}
}

func TestTTY(t *testing.T) {
	out := string(write(t, "tty", check(t, "t.sh", script)))
	for _, want := range []string{
		"In t.sh line 2:\n echo \"${@:0}\" $1\n       ^----^ QK5001 (warning)",
		"  Hint: start at 1",
		"Possible fix (check the meaning)",
		"quirk explain QK5001 -- ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tty output lacks %q:\n%s", want, out)
		}
	}
}

func TestSARIF(t *testing.T) {
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct {
						ID   string
						Help struct{ Text string }
					}
				}
			}
			Results []struct {
				RuleID              string
				RuleIndex           int
				Level               string
				PartialFingerprints map[string]string
				Locations           []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(write(t, "sarif", check(t, "./a/t.sh", script)), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if log.Version != "2.1.0" || run.Tool.Driver.Name != "quirk" || len(run.Tool.Driver.Rules) != len(shellcheck.Registry()) {
		t.Fatalf("header: %+v", log)
	}
	// Relative to the repository root (this package is shellcheck/format in it).
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID || r.Locations[0].PhysicalLocation.ArtifactLocation.URI != "shellcheck/format/a/t.sh" {
			t.Errorf("result %+v", r)
		}
		if run.Tool.Driver.Rules[r.RuleIndex].Help.Text == "" {
			t.Errorf("rule %s has no help", r.RuleID)
		}
	}
	// Fingerprints survive lines added above the findings.
	fps := func(src string) []string {
		var l struct {
			Runs []struct {
				Results []struct{ PartialFingerprints map[string]string }
			}
		}
		json.Unmarshal(write(t, "sarif", check(t, "t.sh", src)), &l)
		var out []string
		for _, r := range l.Runs[0].Results {
			out = append(out, r.PartialFingerprints["primaryLocationLineHash"])
		}
		sort.Strings(out)
		return out
	}
	before := fps(script)
	after := fps(strings.Replace(script, "\n", "\n# a new comment\n\n", 1))
	if !slices.Equal(before, after) || len(before) != 4 || before[0] == "" {
		t.Errorf("fingerprints moved: %v vs %v", before, after)
	}
}
