package format_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/expand/testenv"
	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"github.com/quirkcheck/quirk/shellcheck/format"
	"github.com/quirkcheck/quirk/shellcheck/withshellcheck"
)

type sarifDoc struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Version, SemanticVersion string
				Rules                    []struct {
					ID, HelpURI string
					Properties  map[string]any
				}
			}
		}
		Invocations []struct {
			ExecutionSuccessful        bool
			ToolExecutionNotifications []struct {
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI, URIBaseID string }
					}
				}
			}
		}
		OriginalURIBaseIDs map[string]struct{ URI string }
		Results            []struct {
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string
						URIBaseID string `json:"uriBaseId"`
					}
				}
			}
		}
	}
}

// sarifFor checks files named under root and writes SARIF with failures.
func sarifFor(t *testing.T, root string, names []string, failures []format.Failure) []byte {
	t.Helper()
	var results []*shellcheck.Result
	for _, n := range names {
		path := filepath.Join(root, n)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("#!/bin/bash\necho \"${@:0}\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := shellcheck.Check(path, []byte("#!/bin/bash\necho \"${@:0}\"\n"), shellcheck.Options{})
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
	}
	var b bytes.Buffer
	opts := format.Options{Version: "quirk v1.2.3 (abcdef123456)\nmvdan.cc/sh/v3 v3.14.1", SemanticVersion: "1.2.3", Failures: failures, Root: root}
	if err := format.Write(&b, "sarif", results, opts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSARIFArtifactsAndRules(t *testing.T) {
	root := t.TempDir()
	out := sarifFor(t, root, []string{"dir with space/t#1.sh", "ünï/x?.sh"}, []format.Failure{
		{Filename: filepath.Join(root, "locked.sh"), Message: "locked.sh: permission denied"},
	})
	var doc sarifDoc
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	run := doc.Runs[0]
	base := run.OriginalURIBaseIDs["SRCROOT"].URI
	if u, err := url.Parse(base); err != nil || u.Scheme != "file" || !strings.HasSuffix(base, "/") {
		t.Errorf("SRCROOT = %q, want an absolute file: URI ending in /", base)
	}
	var uris []string
	for _, r := range run.Results {
		a := r.Locations[0].PhysicalLocation.ArtifactLocation
		if a.URIBaseID != "SRCROOT" {
			t.Errorf("artifact %q has uriBaseId %q", a.URI, a.URIBaseID)
		}
		uris = append(uris, a.URI)
		// Resolved against the base, the URI names the real file.
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := url.Parse(a.URI)
		if err != nil {
			t.Fatalf("artifact URI %q: %v", a.URI, err)
		}
		if _, err := os.Stat(u.ResolveReference(ref).Path); err != nil {
			t.Errorf("artifact %q does not resolve to a file under the root: %v", a.URI, err)
		}
	}
	want := []string{"dir%20with%20space/t%231.sh", "%C3%BCn%C3%AF/x%3F.sh"}
	if strings.Join(uris, " ") != strings.Join(want, " ") {
		t.Errorf("artifact URIs %q, want %q", uris, want)
	}
	d := run.Tool.Driver
	if d.Version != "v1.2.3 (abcdef123456)" || d.SemanticVersion != "1.2.3" {
		t.Errorf("driver version %q semanticVersion %q", d.Version, d.SemanticVersion)
	}
	for _, r := range d.Rules {
		if r.HelpURI != analysis.DocURL(r.ID) {
			t.Errorf("%s helpUri %q", r.ID, r.HelpURI)
		}
		p := r.Properties
		if p["precision"] == nil || p["problem.severity"] == nil || len(p["tags"].([]any)) == 0 {
			t.Errorf("%s properties %v", r.ID, p)
		}
	}
	inv := run.Invocations[0]
	if inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 1 {
		t.Fatalf("invocation %+v, want one failure and executionSuccessful false", inv)
	}
	n := inv.ToolExecutionNotifications[0]
	if n.Level != "error" || n.Locations[0].PhysicalLocation.ArtifactLocation.URI != "locked.sh" {
		t.Errorf("notification %+v", n)
	}
	validateSARIF(t, out)

	// A clean run succeeds with no notifications, and still validates.
	clean := sarifFor(t, root, nil, nil)
	var doc2 sarifDoc
	json.Unmarshal(clean, &doc2)
	if !doc2.Runs[0].Invocations[0].ExecutionSuccessful {
		t.Errorf("clean run: executionSuccessful false")
	}
	validateSARIF(t, clean)
}

// schemaPath finds the official SARIF 2.1.0 schema in shared/schemas next to
// the repository (CI lays shared/ beside the clone; a worktree may sit one
// level deeper).
func schemaPath(t *testing.T) string {
	dir, err := filepath.Abs("../..") // the repository root
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(filepath.Dir(d), "shared", "schemas", "sarif-schema-2.1.0.json")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	testenv.Unmet(t, testenv.Shells, "no ../shared/schemas/sarif-schema-2.1.0.json beside the repository")
	return ""
}

// validateSARIF validates doc against the official schema with Debian's
// python3-jsonschema (Draft 4, as the schema declares).
func validateSARIF(t *testing.T, doc []byte) {
	t.Helper()
	py := testenv.NeedTool(t, "python3")
	schema := schemaPath(t)
	f := filepath.Join(t.TempDir(), "out.sarif")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	const prog = `
import json, sys
try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed"); sys.exit(3)
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)
errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors:
    print("/".join(map(str, e.path)), ":", e.message)
sys.exit(1 if errors else 0)
`
	out, err := exec.Command(py, "-c", prog, schema, f).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 3 {
		testenv.Unmet(t, testenv.Shells, "%s", out)
	}
	if err != nil {
		t.Errorf("SARIF does not validate against %s: %v\n%s", schema, err, out)
	}
}

// TestWithShellCheckFormats: real ShellCheck's findings, merged, carry
// their SC codes in json1 and gcc and their own rules in SARIF, which still
// validates.
func TestWithShellCheckFormats(t *testing.T) {
	testenv.NeedTool(t, "shellcheck")
	res := check(t, "-", "#!/bin/bash\nx=$@\necho $1\n")
	if err := (withshellcheck.Runner{}).Merge(context.Background(), res); err != nil {
		t.Fatal(err)
	}
	var j1 struct{ Comments []struct{ Code int } }
	if err := json.Unmarshal(write(t, "json1", res), &j1); err != nil {
		t.Fatal(err)
	}
	var codes []int
	for _, c := range j1.Comments {
		codes = append(codes, c.Code)
	}
	if !slices.Equal(codes, []int{2034, 5008, 2086}) {
		t.Errorf("json1 codes %v, want [2034 5008 2086]", codes)
	}
	if gcc := string(write(t, "gcc", res)); !strings.Contains(gcc, "[SC2086]") || !strings.Contains(gcc, "SC2124") {
		t.Errorf("gcc:\n%s", gcc)
	}
	if cs := string(write(t, "checkstyle", res)); !strings.Contains(cs, "source='ShellCheck.SC2086'") || !strings.Contains(cs, "source='quirk.QK5008'") {
		t.Errorf("checkstyle:\n%s", cs)
	}
	if tty := string(write(t, "tty", res)); !strings.Contains(tty, "https://www.shellcheck.net/wiki/SC2086") {
		t.Errorf("tty:\n%s", tty)
	}
	if diff := string(write(t, "diff", res)); !strings.Contains(diff, `+echo "$1"`) || !strings.Contains(diff, "+x=$*") {
		t.Errorf("diff carries both tools' safe fixes:\n%s", diff)
	}
	out := write(t, "sarif", res)
	var doc struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID, HelpURI string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
			}
		}
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	rules := doc.Runs[0].Tool.Driver.Rules
	for _, r := range doc.Runs[0].Results {
		if rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %s", r.RuleID, rules[r.RuleIndex].ID)
		}
		if strings.HasPrefix(r.RuleID, "SC") && rules[r.RuleIndex].HelpURI != "https://www.shellcheck.net/wiki/"+r.RuleID {
			t.Errorf("rule %s helpUri %q", r.RuleID, rules[r.RuleIndex].HelpURI)
		}
	}
	validateSARIF(t, out)
}
