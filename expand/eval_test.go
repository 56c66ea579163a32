package expand

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var threeArgs = []string{"a", "b c", "d"}

// noFields and failed are the two outcomes that are not a field list:
// the printing command ran with no arguments, or it never ran.
var (
	noFields = []string{}
	failed   []string
)

// confirmTable is measured behaviour (docs/positional.md):
// every row runs through real bash, which must give bash; and through the
// mvdan engine, which must agree with bash unless mvdanDiverges names the
// known divergence, in which case it must still differ (so a fixed upstream
// bug shows up here as a failure to update the table).
var confirmTable = []struct {
	setup, word   string
	args          []string
	bash          []string
	mvdanDiverges string
}{
	{"", `"${*:0}"`, threeArgs, []string{"t.sh a b c d"}, ""},
	{"", `"${@:0}"`, threeArgs, []string{"t.sh", "a", "b c", "d"}, ""},
	{"", `"${@:0:1}"`, threeArgs, []string{"t.sh"}, ""},
	{"", `"${@:-1}"`, threeArgs, []string{"a", "b c", "d"}, ""},
	{"", `"${@: -1}"`, threeArgs, []string{"d"}, ""},
	{"", `"${@:(-1)}"`, threeArgs, []string{"d"}, ""},
	{"", `"${@: -4}"`, threeArgs, []string{"t.sh", "a", "b c", "d"}, ""},
	{"", `"${@:2:-1}"`, threeArgs, failed, "negative length slices instead of failing"},
	{"", `"${@:1:0}"`, threeArgs, noFields, ""},
	{"", `"${@:7}"`, threeArgs, noFields, ""},
	{"", `"${*:5}"`, threeArgs, []string{""}, ""},
	{"", `"${@:0:0}"`, threeArgs, noFields, ""},
	{"", `$10`, threeArgs, []string{"a0"}, ""},
	{"", `"$@"`, nil, noFields, ""},
	{"set --", `"${@:0}"`, threeArgs, []string{"t.sh"}, ""},
	{"IFS=,", `"$*"`, threeArgs, []string{"a,b c,d"}, ""},
	{"IFS=,; x=$@", `"$x"`, threeArgs, []string{"a b c d"}, ""},
	{"IFS=", `"$*"`, threeArgs, []string{"ab cd"}, ""},
	{"IFS=", `$*`, threeArgs, []string{"a", "b c", "d"}, ""},
	{"shift 5", `"$#" "$@"`, threeArgs, []string{"3", "a", "b c", "d"}, "shift past $# empties the parameters"},
	{"", `"x$@y"`, threeArgs, []string{"xa", "b c", "dy"}, `"x$@y" is joined into one field`},
	{"", `"x${@:2}y"`, threeArgs, []string{"xb c", "dy"}, "affixed slice is joined into one field"},
	{"", `${1+"$@"}`, threeArgs, []string{"a", "b c", "d"}, `${1+"$@"} is re-split`},
	{"set --", `"${@-def}"`, threeArgs, []string{"def"}, "$@ always counts as set"},
	{"", `"${#@}" "${#*}"`, threeArgs, []string{"3", "3"}, ""},
	{"", `"${!#}"`, threeArgs, []string{"d"}, ""},
	{"", `-n "$1"`, []string{"-e"}, []string{"-n", "-e"}, ""},
	{"", `"${x"`, nil, failed, ""},
	{"", `*`, nil, []string{"*"}, ""},
	{"IFS=:; x=a::b:", `$x`, nil, []string{"a", "", "b"}, "non-whitespace IFS drops empty fields"},
	{"", `"${@/ /_}"`, threeArgs, []string{"a", "b_c", "d"}, ""},
	// Divergences of mvdan.cc/sh v3.14.1 found for issue #8.
	{"", `"${10}" "${11}"`, []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}, []string{"10", "11"}, "${10} and above are always empty"},
	{"set --", `"${@:-x}" "${*:-y}"`, nil, []string{"x", "y"}, `"${@:-x}" and "${*:-x}" are empty without parameters`},
	{"a=()", `"${a[@]:-x}"`, nil, []string{"x"}, `"${a[@]:-x}" gives nothing for an empty array`},
	{"set --", `"${@:?}"`, nil, failed, `"${@:?}" does not fail without parameters`},
	{"x=", `"${x:-"$@"}"`, threeArgs, []string{"a", "b c", "d"}, `"${x:-"$@"}" joins into one field`},
	{"IFS=''", `${1+"$@"}`, threeArgs, []string{"a", "b c", "d"}, `${1+"$@"} with IFS='' gives one field`},
	{"", `"${@@Q}"`, threeArgs, []string{"'a'", "'b c'", "'d'"}, "@Q on $@ is ignored"},
	{"IFS=, read -r a b c <<< x,,z", `"$a" "$b" "$c"`, nil, []string{"x", "", "z"}, "IFS=, read drops empty fields"},
}

func TestConfirmBashAndMvdan(t *testing.T) {
	needShell(t, "bash")
	cases := make([]WordCase, len(confirmTable))
	for i, row := range confirmTable {
		cases[i] = WordCase{Setup: row.setup, Word: row.word, Arg0: "t.sh", Args: row.args}
	}
	bash, err := EvalWords(t.Context(), "bash", cases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mvdan, err := EvalWords(t.Context(), Mvdan, cases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range confirmTable {
		name := strings.TrimPrefix(row.setup+"; "+row.word, "; ")
		t.Run(name, func(t *testing.T) {
			b, m := bash[i], mvdan[i]
			if b.Err != nil {
				t.Fatalf("bash: %v", b.Err)
			}
			if d := cmp.Diff(row.bash, b.Fields); d != "" {
				t.Errorf("bash fields (-want +got):\n%s\nstderr: %s", d, b.Stderr)
			}
			if (row.bash == nil) != (b.Status != 0) {
				t.Errorf("bash status %d with fields %q", b.Status, b.Fields)
			}
			agree := Compare([]Result{b, m}, CompareMode{}).Agree
			switch {
			case row.mvdanDiverges == "" && !agree:
				t.Errorf("mvdan differs from bash: %s vs %s", FieldString(m), FieldString(b))
			case row.mvdanDiverges != "" && agree:
				t.Errorf("mvdan now agrees with bash (%s): remove the divergence mark", row.mvdanDiverges)
			}
		})
	}
}

// TestShellsDiffer pins rows of docs/positional.md ("Across shells") in every shell, so
// each real engine is exercised through the batch (dash's fatal errors,
// mksh's print-based emitter, zsh's emulate sh, BusyBox ash, ksh93).
func TestShellsDiffer(t *testing.T) {
	cases := []WordCase{
		{Word: `"${@:0}"`, Arg0: "t.sh", Args: threeArgs},
		{Word: `"${@:2:-1}"`, Arg0: "t.sh", Args: threeArgs},
		{Setup: "set --", Word: `"${@-def}"`, Arg0: "t.sh"},
		{Word: `"$#" "$@"`, Arg0: "t.sh", Args: []string{"-n", "", "x\ty"}},
	}
	want := map[string][][]string{
		"bash": {{"t.sh", "a", "b c", "d"}, failed, {"def"}, {"3", "-n", "", "x\ty"}},
		"dash": {failed, failed, {""}, {"3", "-n", "", "x\ty"}},
		"zsh":  {{"t.sh", "a", "b c", "d"}, {"b c"}, noFields, {"3", "-n", "", "x\ty"}},
		"ksh":  {{"t.sh", "a", "b c", "d"}, noFields, {"def"}, {"3", "-n", "", "x\ty"}},
		"mksh": {failed, failed, {"def"}, {"3", "-n", "", "x\ty"}},
		"ash":  {{"a", "b c", "d"}, {"b c", ""}, {""}, {"3", "-n", "", "x\ty"}},
	}
	for _, engine := range slices.Sorted(func(yield func(string) bool) {
		for k := range want {
			if !yield(k) {
				return
			}
		}
	}) {
		t.Run(engine, func(t *testing.T) {
			needShell(t, engine)
			rs, err := EvalWords(t.Context(), engine, cases, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range rs {
				if r.Err != nil {
					t.Errorf("case %d: %v", i, r.Err)
					continue
				}
				if d := cmp.Diff(want[engine][i], r.Fields); d != "" {
					t.Errorf("%s %s (-want +got):\n%s\nstderr: %s", cases[i].Setup, cases[i].Word, d, r.Stderr)
				}
				if r.Fields == nil && (r.Status == 0 || r.Stderr == "") {
					t.Errorf("%s: an error must have a status and a message, got status %d stderr %q", cases[i].Word, r.Status, r.Stderr)
				}
			}
			if rs[0].Version == "" || rs[0].Path == "" {
				t.Errorf("result does not name the shell: path %q version %q", rs[0].Path, rs[0].Version)
			}
		})
	}
}

// TestBatchIsolation: an error that ends bash's line, a syntax error, an
// exit and a changed IFS stay inside their own case.
func TestBatchIsolation(t *testing.T) {
	for _, engine := range []string{"bash", "dash", Mvdan} {
		t.Run(engine, func(t *testing.T) {
			if engine != Mvdan {
				needShell(t, engine)
			}
			cases := []WordCase{
				{Word: `"${@:2:-1}" "${x?boom}"`, Args: threeArgs},
				{Word: `"$*"`, Args: threeArgs},
				{Word: `"${x"`},
				{Setup: "IFS=-; exit 7", Word: `x`},
				{Word: `"$*" "$0"`, Args: threeArgs, Arg0: "t.sh"},
				{Setup: "echo out; echo err >&2", Word: `"$1"`, Args: []string{"p"}, Arg0: "other"},
			}
			rs, err := EvalWords(t.Context(), engine, cases, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rs[0].Status == 0 || rs[0].Fields != nil {
				t.Errorf("case 0: want an error, got %s status %d", FieldString(rs[0]), rs[0].Status)
			}
			if got := FieldString(rs[1]); got != "<a b c d>" {
				t.Errorf("case 1 after an error: got %s", got)
			}
			if rs[2].Status == 0 {
				t.Errorf("syntax error: want non-zero status, got 0")
			}
			if rs[3].Status != 7 || rs[3].Fields != nil {
				t.Errorf("exit 7: got status %d fields %s", rs[3].Status, FieldString(rs[3]))
			}
			if got := FieldString(rs[4]); got != "<a b c d><t.sh>" {
				t.Errorf("IFS or $0 leaked between cases: got %s", got)
			}
			if rs[5].Stdout != "out\n" || !strings.Contains(rs[5].Stderr, "err") || FieldString(rs[5]) != "<p>" {
				t.Errorf("case 5: stdout %q stderr %q fields %s", rs[5].Stdout, rs[5].Stderr, FieldString(rs[5]))
			}
		})
	}
}

func TestManyCasesInOrder(t *testing.T) {
	needShell(t, "bash")
	var cases []WordCase
	for i := range 2500 { // more than one batch
		cases = append(cases, WordCase{Word: `"$1" "${#}"`, Args: []string{fmt.Sprint(i)}})
	}
	rs, err := EvalWords(t.Context(), "bash", cases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if want := fmt.Sprintf("<%d><1>", i); FieldString(r) != want {
			t.Fatalf("case %d: got %s, want %s", i, FieldString(r), want)
		}
	}
}

func TestCompare(t *testing.T) {
	b := Result{Engine: "bash", Fields: []string{"xa", "b c", "dy"}}
	m := Result{Engine: "mvdan", Fields: []string{"xa b c dy"}}
	c := Compare([]Result{b, m}, CompareMode{})
	if c.Agree || !slices.Equal(c.Differ, []string{"mvdan"}) || !strings.Contains(c.Diff, "xa b c dy") {
		t.Errorf("Compare = %+v", c)
	}
	// bash says 1 and dash 2 for a bad substitution: both failed.
	e1 := Result{Engine: "bash", Status: 1}
	e2 := Result{Engine: "dash", Status: 2}
	if !Compare([]Result{e1, e2}, CompareMode{}).Agree {
		t.Error("statuses 1 and 2 should agree without ExactStatus")
	}
	if Compare([]Result{e1, e2}, CompareMode{ExactStatus: true}).Agree {
		t.Error("statuses 1 and 2 should differ with ExactStatus")
	}
	none := Result{Engine: "a", Fields: []string{}}
	if Compare([]Result{none, e1}, CompareMode{}).Agree {
		t.Error("no fields and an error must differ")
	}
}

func TestParseRecords(t *testing.T) {
	recs, err := parseRecords([]byte("c0\x00n2\x00a\x00\x00s0\x00c1\x00s2\x00c5\x00n3\x00x\x00"))
	if err != nil {
		t.Fatal(err)
	}
	if r := recs[0]; !r.finished || !slices.Equal(r.fields, []string{"a", ""}) {
		t.Errorf("case 0: %+v", r)
	}
	if r := recs[1]; !r.finished || r.fields != nil || r.status != 2 {
		t.Errorf("case 1: %+v", r)
	}
	if r := recs[5]; r.finished {
		t.Errorf("case 5 was cut short but is finished: %+v", r)
	}
	if _, err := parseRecords([]byte("z1\x00")); err == nil {
		t.Error("bad token accepted")
	}
}

func TestEvalEngines(t *testing.T) {
	needShell(t, "bash")
	var cases []WordCase
	for _, argv := range SampleArgv {
		cases = append(cases, WordCase{Word: `"${@:0:1}" "$#"`, Arg0: "s.sh", Args: argv})
	}
	rs, err := EvalEngines(t.Context(), []string{"bash", Mvdan}, cases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, argv := range SampleArgv {
		want := fmt.Sprintf("<s.sh><%d>", len(argv))
		for _, e := range []string{"bash", Mvdan} {
			if got := FieldString(rs[e][i]); got != want {
				t.Errorf("%s %q: got %s, want %s", e, argv, got, want)
			}
		}
	}
	if _, err := EvalEngines(t.Context(), []string{"bash", "tcsh"}, cases, Options{}); err == nil || !strings.Contains(err.Error(), "tcsh") {
		t.Errorf("unknown engine: err %v", err)
	}
}

// TestMvdanPanicRecovered: mvdan.cc/sh v3.14.1 panics on "shift -1"; the
// engine turns that into an error result, and bash reports a shell error.
func TestMvdanPanicRecovered(t *testing.T) {
	cases := []WordCase{{Setup: "shift -1", Word: `"$#"`, Args: threeArgs}, {Word: `"ok"`}}
	rs, err := EvalWords(t.Context(), Mvdan, cases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rs[0].Err, ErrEnginePanic) {
		t.Errorf("shift -1: err %v, fields %s (if mvdan no longer panics, drop this test)", rs[0].Err, FieldString(rs[0]))
	}
	if FieldString(rs[1]) != "<ok>" {
		t.Errorf("the case after the panic: %s", FieldString(rs[1]))
	}
}

func TestScriptsIsolated(t *testing.T) {
	needShell(t, "bash")
	rs, err := EvalScripts(t.Context(), "bash", []ScriptCase{
		{Script: "echo one > f; echo \"$0 $#\"", Arg0: "s.sh", Args: []string{"x"}},
		{Script: "cat f 2>/dev/null || echo fresh; exit 3"},
		{Script: "echo $(echo sub)"},
	}, Options{Commands: []string{"cat"}})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Stdout != "s.sh 1\n" || rs[0].Status != 0 {
		t.Errorf("script 0: %q status %d", rs[0].Stdout, rs[0].Status)
	}
	if rs[1].Stdout != "fresh\n" || rs[1].Status != 3 {
		t.Errorf("script 1 saw the previous script's file or lost its status: %q status %d", rs[1].Stdout, rs[1].Status)
	}
	if !errors.Is(rs[2].Err, ErrExecRefused) {
		t.Errorf("command substitution in a script without AllowExec: %v", rs[2].Err)
	}
}

// TestMvdanEmptyArg0: mvdan.cc/sh v3.14.1 has no empty $0: a file parsed
// with no name reads as "gosh" (interp/vars.go), where bash gives "".
func TestMvdanEmptyArg0(t *testing.T) {
	needShell(t, "bash")
	c := WordCase{Word: `"$0"`}
	bash, mvdan := evalOne(t, "bash", c, Options{}), evalOne(t, Mvdan, c, Options{})
	if FieldString(bash) != "<>" {
		t.Errorf("bash: %s", FieldString(bash))
	}
	if FieldString(mvdan) != "<gosh>" {
		t.Errorf("mvdan: %s (the divergence is gone: update the README and this test)", FieldString(mvdan))
	}
}

// TestKillersAmongPlainCases: in dash every "${@:1}" ends the shell (Bad
// substitution). Interleaved with plain cases, each must still get its own
// result: the plain ones their fields, the killers their error.
func TestKillersAmongPlainCases(t *testing.T) {
	needShell(t, "dash")
	var cases []WordCase
	for i := range 600 {
		if i%5 == 2 {
			cases = append(cases, WordCase{Word: `"${@:1}"`, Args: []string{fmt.Sprint(i)}})
		} else {
			cases = append(cases, WordCase{Word: `"$1"`, Args: []string{fmt.Sprint(i)}})
		}
	}
	rs, err := EvalWords(t.Context(), "dash", cases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if i%5 == 2 {
			if r.Err != nil || r.Status == 0 || r.Fields != nil || !strings.Contains(r.Stderr, "Bad substitution") {
				t.Errorf("killer %d: %s", i, r)
			}
		} else if got := FieldString(r); got != fmt.Sprintf("<%d>", i) || r.Stderr != "" {
			t.Errorf("case %d: %s stderr %q", i, got, r.Stderr)
		}
	}
}

// TestLocalSetups: bash runs simple setups in a function (local names,
// "local -" for options) instead of a subshell; nothing may leak into the
// next case, and setups that could leak still get a subshell.
func TestLocalSetups(t *testing.T) {
	needShell(t, "bash")
	scoped := WordCase{Setup: "IFS=:; set -f; x=1; set -- p 'q r'; shift", Word: `"$x" $* "$#"`, Args: []string{"a"}}
	if needsSubshell(scoped, true) || !needsSubshell(scoped, false) {
		t.Fatalf("needsSubshell(%q): want a function in bash, a subshell elsewhere", scoped.Setup)
	}
	for _, setup := range []string{"x+=1", "a[1]=x", "export x=1", "x=$((y=2))", "PATH=/x", "X=1", "echo hi", "x=1 >f", "set -- $y", "read x"} {
		if !needsSubshell(WordCase{Setup: setup, Word: "x"}, true) {
			t.Errorf("setup %q may leak but runs without a subshell", setup)
		}
	}
	rs, err := EvalWords(t.Context(), "bash", []WordCase{
		scoped,
		{Word: `"${x-unset}" * "$IFS" "$#"`, Args: []string{"a", "b"}},
	}, Options{Files: []string{"f1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := FieldString(rs[0]); got != "<1><q r><1>" {
		t.Errorf("scoped setup: %s, stderr %q", got, rs[0].Stderr)
	}
	if got := FieldString(rs[1]); got != "<unset><f1>< \t\n><2>" {
		t.Errorf("the next case saw the setup: %s", got)
	}
}

func TestKnownKillersIsolated(t *testing.T) {
	for _, tc := range []struct {
		engine, word string
		want, top    bool
	}{
		{"dash", `"${@:1}"`, true, false},
		{"ash", `"${x/a/b}"`, true, false},
		{"dash", `"${x#a}"`, false, false},
		// Fatal in a subshell only: it runs at the batch's top level.
		{"bash", `"${@:2:-1}"`, false, true},
		// Every other direct bash case runs there too: no group fork.
		{"bash", `"${@:1:2}"`, false, true},
		{"bash", `"${@: -1}"`, false, true},
		{"bash", `"${x?}${@:2:-1}"`, true, false},
		{"zsh", `"${@:2:-1}"`, false, false},
	} {
		c := WordCase{Word: tc.word}
		if got := needsSubshellIn(c, tc.engine, tc.engine == "bash"); got != tc.want {
			t.Errorf("%s %s: isolated %v, want %v", tc.engine, tc.word, got, tc.want)
		}
		if got := topLevelIn(c, tc.engine, tc.engine == "bash"); got != tc.top {
			t.Errorf("%s %s: top level %v, want %v", tc.engine, tc.word, got, tc.top)
		}
	}
}

// TestBashTopLevelKillers: bash's negative length ends a subshell but not
// the batch's top level, where such cases run (with or without a scoped
// setup) among plain cases, setups and real killers. Each case must get
// the result one "bash -c" gives it, and no setup may leak into another.
func TestBashTopLevelKillers(t *testing.T) {
	bash := needShell(t, "bash")
	var cases []WordCase
	for i := range 400 {
		arg := fmt.Sprint(i)
		switch i % 6 {
		case 0:
			cases = append(cases, WordCase{Word: `"${@:2:-1}"`, Args: []string{arg, "b", "c"}})
		case 1:
			cases = append(cases, WordCase{Setup: "IFS=:; set -f; x=1", Word: `"${@:1:-1}"`, Args: []string{arg, "b"}})
		case 2:
			cases = append(cases, WordCase{Word: `"${unset_q?boom}"`, Args: []string{arg}})
		case 3:
			cases = append(cases, WordCase{Setup: "IFS=:", Word: `"$*"`, Args: []string{arg, "b"}})
		case 4:
			// Runs at the top level too, next to the setups above; it
			// fails only if one of them leaked.
			cases = append(cases, WordCase{Word: `"${x:-clean}" "$IFS" "${-//[!f]/}" ${x:+"${@:2:-1}"}`, Args: []string{arg, "b", "c"}})
		default:
			cases = append(cases, WordCase{Word: `"$1" "${x-unset}" "$IFS" * "$-"`, Args: []string{arg}})
		}
	}
	rs, err := EvalWords(t.Context(), "bash", cases, Options{Files: []string{"f1"}})
	if err != nil {
		t.Fatal(err)
	}
	want, err := naiveBash(t.Context(), bash.Path, cases[:12])
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		switch i % 6 {
		case 0, 1:
			if r.Err != nil || r.Status == 0 || r.Fields != nil || !strings.Contains(r.Stderr, "substring expression < 0") {
				t.Errorf("negative length %d: %s, stderr %q", i, r, r.Stderr)
			}
		case 2:
			if r.Err != nil || r.Status == 0 || r.Fields != nil || !strings.Contains(r.Stderr, "boom") {
				t.Errorf("killer %d: %s, stderr %q", i, r, r.Stderr)
			}
		case 3:
			if got := FieldString(r); got != fmt.Sprintf("<%d:b>", i) {
				t.Errorf("setup case %d: %s", i, got)
			}
		case 4:
			if got := FieldString(r); got != "<clean>< \t\n><>" || r.Status != 0 {
				t.Errorf("top-level case %d saw another case's setup: %s, status %d, stderr %q", i, got, r.Status, r.Stderr)
			}
		default:
			// $- differs from one "bash -c" (no c in a sourced batch): only
			// compare what the cases could have leaked.
			if len(r.Fields) != 5 || r.Fields[0] != fmt.Sprint(i) || r.Fields[1] != "unset" || r.Fields[2] != " \t\n" || r.Fields[3] != "f1" || strings.Contains(r.Fields[4], "f") {
				t.Errorf("plain case %d saw another case's state: %s", i, FieldString(r))
			}
		}
		if i < 12 && (i%6 == 0 || i%6 == 1) && want[i] != nil {
			t.Errorf("case %d: bash -c printed %q: the word is not an error there", i, want[i])
		}
	}
}

// TestBashVersionFromBatch: bash's version comes from the batch itself
// (no run of bash to ask it first), and a batch written for "local -" that
// meets an older bash is written again for it. An older bash is played by
// raising the version "local -" needs; a path of its own gives the engine
// an unknown version.
func TestBashVersionFromBatch(t *testing.T) {
	needShell(t, "bash")
	defer func(v int) { scopedBash = v }(scopedBash)
	scopedBash = 9999
	path := "/usr/bin/../bin/bash"
	if _, err := os.Stat(path); err != nil {
		t.Skip("no /usr/bin/bash")
	}
	e, err := lookEngine("bash", path)
	if err != nil {
		t.Fatal(err)
	}
	if e.known.Load() != nil {
		t.Fatalf("%s: version known before any run", path)
	}
	rs, err := EvalWords(t.Context(), "bash", []WordCase{
		{Setup: "IFS=:; set -f", Word: `"$*" "${-//[!f]/}"`, Args: []string{"a", "b"}},
		{Word: `"$IFS" "${-//[!f]/}"`},
	}, Options{Paths: map[string]string{"bash": path}})
	if err != nil {
		t.Fatal(err)
	}
	if got := FieldString(rs[0]); got != "<a:b><f>" {
		t.Errorf("setup case: %s, stderr %q", got, rs[0].Stderr)
	}
	if got := FieldString(rs[1]); got != "< \t\n><>" {
		t.Errorf("the next case saw the setup: %s", got)
	}
	if scoping, assumed := e.scopesLocally(); scoping || assumed {
		t.Errorf("after the run: scoping %v assumed %v, want a known bash without local -", scoping, assumed)
	}
	if v := rs[0].Version; !strings.Contains(v, "release") || v != rs[1].Version {
		t.Errorf("versions %q %q", rs[0].Version, rs[1].Version)
	}
}

// TestBashQuietIsolatedCases: isolated cases that can only write bash's
// messages and their record keep the merged stream in their subshell
// (placeCase). Each killer's message must stay with its own case, an
// assignment's subshell must still not leak, and a case whose command
// substitution writes a NUL (isolated with the real streams) must not
// disturb its neighbours.
func TestBashQuietIsolatedCases(t *testing.T) {
	needShell(t, "bash")
	var cases []WordCase
	for i := range 300 {
		arg := fmt.Sprint(i)
		switch i % 5 {
		case 0:
			cases = append(cases, WordCase{Word: `"${unset_q?boom$1}"`, Args: []string{arg}})
		case 1:
			cases = append(cases, WordCase{Word: `"${leak:=set$1}" "$leak"`, Args: []string{arg}})
		case 2:
			cases = append(cases, WordCase{Word: `"$(printf '\0c0\0' >&2; echo ab)" "$1"`, Args: []string{arg}})
		case 3:
			cases = append(cases, WordCase{Word: `"${leak-none}" "$1"`, Args: []string{arg}})
		default:
			cases = append(cases, WordCase{Word: `"$((n += $1))" "${@:2:-1}"`, Args: []string{arg, "b"}})
		}
	}
	rs, err := EvalWords(t.Context(), "bash", cases, Options{AllowExec: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		arg := fmt.Sprint(i)
		bad := false
		switch i % 5 {
		case 0:
			bad = r.Fields != nil || r.Status == 0 || strings.Count(r.Stderr, "boom") != 1 || !strings.Contains(r.Stderr, "unset_q: boom"+arg+"\n")
		case 1:
			bad = FieldString(r) != "<set"+arg+"><set"+arg+">"
		case 2:
			bad = FieldString(r) != "<ab><"+arg+">" || r.Status != 0 || r.Stderr != "\x00c0\x00"
		case 3:
			bad = FieldString(r) != "<none><"+arg+">" || r.Stderr != ""
		default:
			bad = r.Fields != nil || !strings.Contains(r.Stderr, "substring expression < 0")
		}
		if bad || r.Err != nil {
			t.Errorf("case %d %s: %s, status %d, stderr %q, err %v", i, cases[i].Word, FieldString(r), r.Status, r.Stderr, r.Err)
		}
	}
}
