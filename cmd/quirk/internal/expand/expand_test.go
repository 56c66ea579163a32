package expand

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/quirkcheck/quirk/expand/testenv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
)

func needBash(t *testing.T) {
	t.Helper()
	testenv.NeedTool(t, "bash")
}

func run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(context.Background(), &base.Invocation{Name: "expand", Args: args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func TestWordTable(t *testing.T) {
	needBash(t)
	code, out, errOut := run("--shells", "bash,mvdan", `"${@:0}"`, "--", "a", "b c")
	if code != ExitAgree {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"bash ", "mvdan ", "<quirk><a><b c>", "all 2 engines agree"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Flags after the word, --arg0, and a known divergence: exit 1.
	code, out, _ = run(`"x$@y"`, "--shells=bash,mvdan", "--arg0", "t.sh", "--", "a", "b c")
	if code != ExitDiffer || !strings.Contains(out, "engines differ: 2 outcomes: bash | mvdan") || !strings.Contains(out, "<xa><b cy>") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	// Arguments that look like flags stay arguments after --.
	code, out, _ = run("--shells", "bash", `"$@"`, "--", "-n", "--json")
	if code != ExitAgree || !strings.Contains(out, "<-n><--json>") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestWordJSON(t *testing.T) {
	needBash(t)
	code, out, _ := run("--json", "--shells", "bash,mvdan", "--setup", "set --", `"${@-def}"`)
	if code != ExitDiffer {
		t.Errorf("exit %d, want %d (mvdan treats $@ as always set)", code, ExitDiffer)
	}
	var doc struct {
		Word    string   `json:"word"`
		Args    []string `json:"args"`
		Agree   bool     `json:"agree"`
		Results []struct {
			Engine, Version string
			Fields          []string
			Status          int
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v in:\n%s", err, out)
	}
	if doc.Word != `"${@-def}"` || doc.Args == nil || doc.Agree || len(doc.Results) != 2 {
		t.Fatalf("document: %+v", doc)
	}
	if r := doc.Results[0]; r.Engine != "bash" || r.Version == "" || len(r.Fields) != 1 || r.Fields[0] != "def" {
		t.Errorf("bash: %+v", r)
	}
	if r := doc.Results[1]; r.Engine != "mvdan" || r.Fields == nil || len(r.Fields) != 0 {
		t.Errorf("mvdan: %+v (want an empty, non-null field list)", r)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, base.ExitBadSyntax, "give exactly one of"},
		{[]string{"--shells", "bash,fish", "x"}, base.ExitBadOptions, `unknown engine "fish"`},
		{[]string{"$(id)"}, ExitError, "refused to run commands"},
		{[]string{"`id`"}, ExitError, "refused to run commands"},
		{[]string{"--shells", "mvdan", "<(id)"}, ExitError, "refused to run commands"},
		{[]string{"a", "b"}, base.ExitBadSyntax, "one word at a time"},
		{[]string{"--nosuchflag"}, base.ExitBadSyntax, "quirk expand: flag provided but not defined"},
		{[]string{"--script", "/nonexistent/x.sh"}, ExitError, "no such file"},
		{[]string{"--spec", "/nonexistent"}, ExitError, "no such file"},
	} {
		code, out, errOut := run(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q, stdout %q", tc.args, code, errOut, out)
		}
	}
	if code, _, _ := run("-h"); code != ExitAgree {
		t.Errorf("-h: exit %d", code)
	}
}

func TestScript(t *testing.T) {
	needBash(t)
	path := filepath.Join(t.TempDir(), "s.sh")
	if err := os.WriteFile(path, []byte("shift 5\necho \"$# $*\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := run("--script", path, "--shells", "bash,mvdan", "--", "a", "b", "c")
	if code != ExitDiffer || !strings.Contains(out, `"3 a b c\n"`) || !strings.Contains(out, `"0 \n"`) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestSpec(t *testing.T) {
	needBash(t)
	path := filepath.Join(t.TempDir(), "mini.test.sh")
	src := "#### slice\nset -- a 'b c'\nargv.py \"${@:1}\"\n## STDOUT:\n['a', 'b c']\n## END\n\n" +
		"#### joined\nset -- a 'b c'\nargv.py \"x$@y\"\n## STDOUT:\n['xa', 'b cy']\n## END\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := run("--spec", path, "--shells", "bash,mvdan")
	// The second case is a divergence that mini.test.sh is not in the
	// manifest for, so the run reports it and exits 1.
	if code != ExitDiffer {
		t.Errorf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"mini.test.sh#0", "PASS", "mini.test.sh#1", "FAIL", "NO", "disagree on 1 of 2", "not in the manifest"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = run("--spec", path, "--shells", "bash,mvdan", "--json")
	var doc struct {
		Summary    map[string]map[string]int `json:"summary"`
		Unexpected []any                     `json:"unexpected_divergences"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitDiffer {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if doc.Summary["bash"]["PASS"] != 2 || doc.Summary["mvdan"]["FAIL"] != 1 || len(doc.Unexpected) != 1 {
		t.Errorf("summary %v, unexpected %v", doc.Summary, doc.Unexpected)
	}
}

// Issue #8's artefacts in the command: a negative --timeout, --spec with
// no cases, --arg0 ”, bytes that are not UTF-8 in --json, and a signal
// (the root context cancelled) during a script.
func TestArtefacts(t *testing.T) {
	needBash(t)
	if code, _, errOut := run("--timeout", "-1s", "--shells", "bash", "x"); code != base.ExitBadOptions || !strings.Contains(errOut, "must not be negative") {
		t.Errorf("--timeout -1s: exit %d, stderr %q", code, errOut)
	}
	empty := filepath.Join(t.TempDir(), "empty.test.sh")
	if err := os.WriteFile(empty, []byte("# no cases here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run("--spec", empty, "--shells", "bash"); code != ExitError || !strings.Contains(errOut, "no spec cases") {
		t.Errorf("--spec without cases: exit %d, stderr %q", code, errOut)
	}
	// mvdan.cc/sh cannot have an empty $0 (it reads as "gosh"), so bash only.
	if code, out, _ := run("--arg0", "", "--shells", "bash", `"<$0>"`); code != ExitAgree || !strings.Contains(out, "<<>>") {
		t.Errorf("--arg0 '': exit %d:\n%s", code, out)
	}
	code, out, _ := run("--json", "--shells", "bash", `$'a\xffb'`)
	var doc struct {
		Results []struct {
			Fields       []string `json:"fields"`
			FieldsBase64 []string `json:"fields_base64"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitAgree || len(doc.Results) != 1 {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if b := doc.Results[0].FieldsBase64; len(b) != 1 || b[0] != "Yf9i" {
		t.Errorf("fields_base64 = %q, want [Yf9i] (a 0xff b)", b)
	}
}

func TestCancelCleansUp(t *testing.T) {
	needBash(t)
	tmp, err := os.MkdirTemp("/tmp", "quirk-cancel-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	script := filepath.Join(tmp, "slow.sh")
	if err := os.WriteFile(script, []byte("PATH=/usr/bin:/bin; sleep 30 & wait\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel) // what SIGTERM does to the root context
	var out, errb bytes.Buffer
	start := time.Now()
	code := Main(ctx, &base.Invocation{Name: "expand", Args: []string{"--shells", "bash,mvdan", "--allow-exec", "--script", script}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s after the cancel", d)
	}
	if code != ExitError {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "quirk-expand-*"))
	if len(left) > 0 {
		t.Errorf("sandbox directories left behind: %v", left)
	}
}

// TestSignalCleansUp sends SIGTERM and SIGINT to a real "quirk expand
// --script" while its sandbox runs: quirk must exit and leave no sandbox
// directory behind (issue #8: SIGTERM left /tmp/quirk-expand-* behind).
func TestSignalCleansUp(t *testing.T) {
	needBash(t)
	gobin, err := exec.LookPath("go")
	if err != nil {
		testenv.Unmet(t, testenv.Shells, "go is not on PATH: %v", err)
	}
	tmp, err := os.MkdirTemp("/tmp", "quirk-signal-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	quirk := filepath.Join(tmp, "quirk")
	if out, err := exec.Command(gobin, "build", "-o", quirk, "github.com/quirkcheck/quirk/cmd/quirk").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	script := filepath.Join(tmp, "slow.sh")
	if err := os.WriteFile(script, []byte("PATH=/usr/bin:/bin; sleep 30 & wait\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := exec.Command(quirk, "expand", "--shells", "bash", "--allow-exec", "--script", script)
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if dirs, _ := filepath.Glob(filepath.Join(tmp, "quirk-expand-*")); len(dirs) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no sandbox directory appeared")
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond) // let the script start
		start := time.Now()
		_ = cmd.Process.Signal(sig)
		err := cmd.Wait()
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%v: quirk took %s to exit", sig, d)
		}
		if err == nil {
			t.Errorf("%v: quirk exited 0", sig)
		}
		if dirs, _ := filepath.Glob(filepath.Join(tmp, "quirk-expand-*")); len(dirs) > 0 {
			t.Errorf("%v: sandbox directories left behind: %v", sig, dirs)
		}
	}
}
