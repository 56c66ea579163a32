package confirm_test

import (
	"context"
	"fmt"
	"github.com/quirkcheck/quirk/expand/testenv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
	"github.com/quirkcheck/quirk/shellcheck/confirm"
	"github.com/quirkcheck/quirk/shellcheck/rules"
)

func requireShell(t *testing.T, name string) {
	t.Helper()
	testenv.NeedTool(t, name)
}

func checkAndConfirm(t *testing.T, name, src string) *shellcheck.Result {
	t.Helper()
	res, err := shellcheck.Check(name, []byte(src), shellcheck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := confirm.Result(context.Background(), res); err != nil {
		t.Fatal(err)
	}
	return res
}

// Every rule's headline case is confirmed by real bash, with evidence that
// shows the surprise in the shell's own output.
func TestConfirmBash(t *testing.T) {
	requireShell(t, "bash")
	src := `#!/bin/bash
exec docker compose "${@:0:1}"
last=${@: -1}
x="${@:-1}"
shift 3
printf '%s\n' $10 "x$@y" ${@:2}
echo "${@:1:-1}"
IFS=:
cd "$*"
`
	res := checkAndConfirm(t, "run.sh", src)
	want := map[string]string{
		"QK5001": `with run.sh one: "${@:0:1}" → <run.sh>, while "${@:1:1}" → <one>`,
		"QK5004": `with run.sh: ${@: -1} → <run.sh>`,
		"QK5002": `with run.sh a 'b c' d: "${@:-1}" → <a><b c><d>, while "${@: -1}" → <d>`,
		"QK5005": `with run.sh 1 2: shift 3; "$#" → <2>`,
		"QK5007": `$10 → <one0>`,
		"QK5012": `"x$@y" → <xa><b c><dy>`,
		"QK5011": `${@:2} → <b><c><d>, while "${@:2}" → <b c><d>`,
		"QK5003": `"${@:1:-1}" → (error)`,
		"QK5009": `IFS=:; "$*" → <a:b c:d>`,
		"QK5008": `IFS=,; x="${@:-1}"; y="${*:-1}"; "$x" → <a b c d>, while "$y" → <a,b c,d>`,
	}
	got := map[string]string{}
	for _, d := range res.Diagnostics {
		got[d.Code()] = strings.Join(d.Evidence, " | ")
	}
	for code, ev := range want {
		if !strings.Contains(got[code], ev) {
			t.Errorf("%s evidence %q lacks %q", code, got[code], ev)
		}
		if !strings.Contains(got[code], "bash ") {
			t.Errorf("%s evidence does not name the shell and version: %q", code, got[code])
		}
	}
	// mvdan.cc/sh disagrees with bash on these; the evidence says so.
	for _, code := range []string{"QK5005", "QK5012", "QK5003"} {
		if !strings.Contains(got[code], "bash is trusted") {
			t.Errorf("%s: expected an mvdan.cc/sh divergence note: %q", code, got[code])
		}
	}
}

func TestConfirmDash(t *testing.T) {
	requireShell(t, "dash")
	res := checkAndConfirm(t, "d.sh", "#!/bin/sh\nrest=\"${@:2}\"\nn=${#@}\nlast=\"${!#}\"\nshift 2\n")
	var all []string
	for _, d := range res.Diagnostics {
		all = append(all, d.Code()+": "+strings.Join(d.Evidence, " | "))
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{
		`QK5006: dash with d.sh one: "${@:2}" → (error) (bash: (no fields))`,
		`${#@} → <7> (bash: <3>)`,
		`"${!#}" → <> (bash: <d>)`,
		`QK5005: dash with d.sh 1: shift 2; "$#" → (error) (bash: <1>)`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("evidence lacks %q:\n%s", want, joined)
		}
	}
}

// A finding the shell does not bear out is dropped: here a hand-made claim
// that "${@:1}" includes $0.
func TestConfirmDropsUnproven(t *testing.T) {
	requireShell(t, "bash")
	src := []byte("#!/bin/bash\necho \"${@:1}\" \"${@:0}\"\n")
	res := &shellcheck.Result{Filename: "t.sh", Src: src, Dialect: analysis.Bash, Diagnostics: []analysis.Diagnostic{
		{Start: 17, End: 23, Analyzer: rules.SliceZero, Severity: analysis.Warning, Message: "false claim", Expr: `"${@:1}"`},
		{Start: 26, End: 32, Analyzer: rules.SliceZero, Severity: analysis.Warning, Message: "true claim", Expr: `"${@:0}"`},
		{Start: 0, End: 1, Analyzer: rules.OldBash, Severity: analysis.Warning, Message: "nothing to run"},
	}}
	if err := confirm.Result(context.Background(), res); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, d := range res.Diagnostics {
		msgs = append(msgs, d.Message)
	}
	if strings.Join(msgs, ",") != "true claim,nothing to run" {
		t.Errorf("kept %v", msgs)
	}
}

// The script's own data never runs: a variable whose value is an array
// subscript with a command substitution would run that command when bash
// evaluates it as a slice offset. The checker does not take it
// for a constant, and --confirm refuses to evaluate a finding that relies
// on it, saying so in the evidence.
func TestConfirmNeverRunsScriptData(t *testing.T) {
	requireShell(t, "bash")
	marker := filepath.Join(t.TempDir(), "PWNED")
	// The sandbox cannot write into the test's directory; a world-writable
	// spot is what an attacker would aim at.
	tmpMarker := fmt.Sprintf("/tmp/PWNED-quirk-%d", os.Getpid())
	t.Cleanup(func() { os.Remove(tmpMarker) })
	payload := fmt.Sprintf("a[$(touch %s %s)]", marker, tmpMarker)
	src := fmt.Sprintf("#!/bin/bash\nn='%s'\necho \"${@:$n:1}\" ${@:$n:1} ${*:n}\n", payload)
	res := checkAndConfirm(t, "attack.sh", src)
	for _, d := range res.Diagnostics {
		if len(d.Evidence) > 0 {
			t.Errorf("%s confirmed from script data: %v", d.Code(), d.Evidence)
		}
		if !strings.Contains(d.Unconfirmed, "n, whose value is not a constant quirk proved") {
			t.Errorf("%s: evidence does not say why it was not confirmed: %q", d.Code(), d.Unconfirmed)
		}
	}
	if len(res.Diagnostics) == 0 {
		t.Errorf("no finding on the unquoted slices: the attack never reached --confirm")
	}
	// A rule that passed the data on anyway (a bug) is refused too.
	res = &shellcheck.Result{Filename: "t.sh", Src: []byte(src), Dialect: analysis.Bash, Diagnostics: []analysis.Diagnostic{
		{Analyzer: rules.SliceZero, Message: "claim", Expr: `"${@:$n:1}"`, Setup: "n='" + payload + "'"},
	}}
	if err := confirm.Result(context.Background(), res); err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) != 1 || !strings.Contains(res.Diagnostics[0].Unconfirmed, "never evaluates the script's own data") {
		t.Errorf("a setup carrying script data was not refused: %+v", res.Diagnostics)
	}
	for _, f := range []string{marker, tmpMarker} {
		if _, err := os.Stat(f); err == nil {
			t.Fatalf("%s exists: the script's data ran as code", f)
		}
	}
}

// $0 is the script's file name, which its author chose: a name that is not
// a plain file name never reaches a shell, and $0 is never evaluated as
// arithmetic.
func TestConfirmFileNameIsData(t *testing.T) {
	requireShell(t, "bash")
	res := checkAndConfirm(t, "x[$(touch PWNED)].sh", "#!/bin/bash\necho ${@:$0} \"${@:0:1}\"\n")
	var got []string
	for _, d := range res.Diagnostics {
		got = append(got, d.Code()+": "+strings.Join(d.Evidence, " | ")+d.Unconfirmed)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"uses $0, the script's file name; --confirm never evaluates",
		`with script: "${@:0:1}" → <script>`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("evidence lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "PWNED") {
		t.Errorf("the file name reached a shell:\n%s", all)
	}
}
