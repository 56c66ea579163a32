package expand

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// The planner decides once per setup and word; what depends on a case's
// arguments (a NUL byte in one) must still be decided per case.
func TestPlanPerCaseArguments(t *testing.T) {
	needShell(t, "bash")
	cases := []WordCase{
		{Word: `"$1"`, Args: []string{"a\x00b"}},
		{Word: `"$1"`, Args: []string{"ok"}},
		{Word: `"$1"`, Arg0: "x\x00"},
		{Word: `$(id)`},
		{Word: `$(id)`, Args: []string{"again"}},
	}
	rs, err := EvalWords(context.Background(), "bash", cases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rs[0].Err, ErrNUL) || !errors.Is(rs[2].Err, ErrNUL) {
		t.Errorf("NUL in an argument or $0: got %v, %v", rs[0].Err, rs[2].Err)
	}
	if rs[1].Err != nil || len(rs[1].Fields) != 1 || rs[1].Fields[0] != "ok" {
		t.Errorf("same word, clean arguments: got %+v", rs[1])
	}
	for _, i := range []int{3, 4} {
		if !errors.Is(rs[i].Err, ErrExecRefused) {
			t.Errorf("case %d: command substitution not refused: %+v", i, rs[i])
		}
	}
}

// A bash batch writes its records to stdout (recordsOnStdout): a setup
// that prints (set with no arguments, set -o, set +o) must still get its
// own stdout, and neither its output nor the trace of set -x may reach
// the record stream or the cases after it.
func TestBashPrintingSetups(t *testing.T) {
	needShell(t, "bash")
	printing := []string{"set", "set -o", "set '+o'", "set -eo", "x=1; set -x"}
	var cases []WordCase
	for _, s := range printing {
		cases = append(cases, WordCase{Setup: s, Word: `"$1" "${x-}"`, Args: []string{"a b"}})
		cases = append(cases, WordCase{Word: `"$1" "${x-}"`, Args: []string{"c"}})
	}
	rs, err := EvalWords(context.Background(), "bash", cases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		want := []string{"c", ""}
		if i%2 == 0 {
			want = []string{"a b", ""}
			if cases[i].Setup == "x=1; set -x" {
				want[1] = "1"
			}
		}
		if r.Err != nil || r.Status != 0 || !slices.Equal(r.Fields, want) {
			t.Errorf("case %d (setup %q): got %q status %d err %v, want %q", i, cases[i].Setup, r.Fields, r.Status, r.Err, want)
		}
	}
	for i, marker := range []string{"BASH_VERSION=", "errexit", "set +o errexit", "errexit"} {
		if !strings.Contains(rs[2*i].Stdout, marker) {
			t.Errorf("setup %q: stdout %q lacks %q", cases[2*i].Setup, firstLineOf([]byte(rs[2*i].Stdout)), marker)
		}
	}
	if !strings.Contains(rs[8].Stderr, "__quirk_emit") || rs[9].Stderr != "" || rs[8].Stdout != "" {
		t.Errorf("set -x: stderr %q, next case's stderr %q, stdout %q", rs[8].Stderr, rs[9].Stderr, rs[8].Stdout)
	}
}

// The merged stream of a bash batch: records start with a NUL, text between
// them is the messages of the case begun last.
func TestParseMerged(t *testing.T) {
	stream := "early\x00v5.2\x00\x00c0\x00\x00n2\x00a\x00\x00\x00s0\x00\x00c1\x00x: unbound\n\x00s1\x00\x00c4\x00more\x00n3\x00x\x00"
	recs, texts, version, err := parseMerged([]byte(stream))
	if err != nil {
		t.Fatal(err)
	}
	if version != "5.2" {
		t.Errorf("version %q", version)
	}
	if r := recs[0]; r == nil || !r.finished || !slices.Equal(r.fields, []string{"a", ""}) || texts[0] != "" {
		t.Errorf("case 0: %+v %q", r, texts[0])
	}
	if r := recs[1]; r == nil || !r.finished || r.fields != nil || r.status != 1 || texts[1] != "x: unbound\n" {
		t.Errorf("case 1: %+v %q", r, texts[1])
	}
	if r := recs[4]; r == nil || r.finished || texts[4] != "more" {
		t.Errorf("case 4 was cut short while printing: %+v %q", r, texts[4])
	}
	if _, ok := texts[-1]; ok {
		t.Errorf("text before the first case kept: %q", texts[-1])
	}
	for _, bad := range []string{"\x00z1\x00", "\x00\x00", "\x00s0\x00", "\x00c1\x00\x00n-1\x00"} {
		if _, _, _, err := parseMerged([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A case's messages share the bash batch's stream with every other case's
// records (recordsMerged): text it controls, shaped like records or like
// the stderr markers, must stay its own message and change no other case.
func TestBashMessagesCannotForgeRecords(t *testing.T) {
	needShell(t, "bash")
	forged := []string{
		`"${@:1:-1 s0 c1}"`,
		"\"${@:1:-x+$'\\x1equirk:1\\x1f'}\"",
		`"${@:2:-1}"`,
		"\"${@:1:-x+$'\\x1f'n1 forged}\"",
	}
	var cases []WordCase
	for _, w := range forged {
		cases = append(cases, WordCase{Word: w, Args: []string{"a", "b"}}, WordCase{Word: `"$1"`, Args: []string{"clean"}})
	}
	rs, err := EvalWords(context.Background(), "bash", cases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(rs); i += 2 {
		bad, clean := rs[i], rs[i+1]
		if bad.Err != nil || bad.Status != 1 || bad.Fields != nil || bad.Stderr == "" {
			t.Errorf("word %s: got fields %q status %d err %v stderr %q", cases[i].Word, bad.Fields, bad.Status, bad.Err, bad.Stderr)
		}
		if clean.Err != nil || clean.Status != 0 || !slices.Equal(clean.Fields, []string{"clean"}) || clean.Stderr != "" || clean.Stdout != "" {
			t.Errorf("case after %s: got %+v", cases[i].Word, clean)
		}
	}
	if !strings.Contains(rs[2].Stderr, markerPrefix+"1\x1f") {
		t.Errorf("the marker-shaped text is not kept as the case's message: %q", rs[2].Stderr)
	}
}
