package shellcheck

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// at is "CODE@line:col" for each diagnostic, in the original file's terms.
func at(res *Result) []string {
	var out []string
	for _, d := range res.Diagnostics {
		line, col := LineCol(res.Src, d.Start)
		out = append(out, fmt.Sprintf("%s@%03d:%03d", d.Code(), line, col))
	}
	return out
}

func TestParseRecovery(t *testing.T) {
	tests := []struct {
		name, file, src string
		want            []string
		msg             string // a message that must be among the findings
	}{
		{
			// A dual bash/zsh library: zsh syntax in the branch only zsh
			// takes. The rest of the function is still checked.
			name: "zsh branch", file: "lib.bash",
			src:  "f() {\n\tif [[ -n $ZSH_VERSION ]]; then\n\t\tparts=(${(s:,:)csv})\n\telse\n\t\tIFS=, read -ra parts <<<\"$csv\"\n\tfi\n\techo \"${@:0:1}\"\n}\nf a\n",
			want: []string{"QK5902@003:001", "QK5001@007:008"},
			msg:  "could not parse line 3 (parameter expansion flags are a zsh feature",
		},
		{
			// mvdan.cc/sh reads [8.4] as a floating point index; bash
			// takes it as an associative array key.
			name: "assoc keys", file: "gen.bash",
			src:  "declare -A aliases=(\n\t[8.4]='8'\n\t[9.7]='9 lts'\n)\necho \"${@:0:1}\"\n",
			want: []string{"QK5902@002:001", "QK5001@005:007"},
			msg:  "could not parse lines 2-3",
		},
		{
			// "$((cmd) | …)" is a subshell in a command substitution, as
			// bash reads it; the finding after it keeps its column.
			name: "subshell in command substitution", file: "s.bash",
			src:  "x=$((echo a) | tr a b); echo \"${@:0:1}\"\ny=$((1 + 2))\n",
			want: []string{"QK5001@001:031"},
		},
		{
			name: "latin1", file: "l.bash",
			src:  "# caf\xe9\necho \"\xe9 ${@:0:1}\"\n",
			want: []string{"QK5903@001:006", "QK5001@002:009"},
			msg:  "not valid UTF-8 (byte 0xe9 at line 1, column 6",
		},
		{
			name: "bats", file: "t.bats",
			src:  "#!/usr/bin/env bats\n@test \"runs\" {\n\trun foo \"${@:0:1}\"\n}\n",
			want: []string{"QK5001@003:011"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Check(tt.file, []byte(tt.src), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(at(res), " "); got != strings.Join(tt.want, " ") {
				t.Errorf("got %s, want %s", got, strings.Join(tt.want, " "))
			}
			if string(res.Src) != tt.src {
				t.Errorf("Result.Src is not the file as read")
			}
			found := tt.msg == ""
			for _, d := range res.Diagnostics {
				found = found || strings.Contains(d.Message, tt.msg)
			}
			if !found {
				t.Errorf("no message says %q: %v", tt.msg, res.Diagnostics)
			}
		})
	}
}

// TestArithmParenAsBashReadsIt: bash runs "$((echo a) | tr a b)" as a
// command substitution and "$((1 + 2))" as arithmetic, which is what the
// recovery above assumes.
func TestArithmParenAsBashReadsIt(t *testing.T) {
	out, err := exec.Command("bash", "-c", `x=$((echo a) | tr a b); y=$((1 + 2)); echo "$x $y"`).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != "b 3" {
		t.Errorf("bash gave %q", got)
	}
}

// An unclosed construct is still an error: bash runs nothing after it.
func TestUnclosedIsNotRecovered(t *testing.T) {
	for _, src := range []string{"if true; then\necho \"$@\"\n", "echo 'abc\necho \"$@\"\n", "cat <<EOF\nx\n"} {
		if _, err := Check("u.bash", []byte(src), Options{}); err == nil {
			t.Errorf("%q: no error", src)
		}
	}
}

func TestDialectFromContent(t *testing.T) {
	tests := []struct {
		file, src, note string
	}{
		{"lib.sh", "f() { [[ -n $1 ]] && shift 2; }\nf a\n", "read as bash: no shebang, and line 1 has [[ ]]"},
		{"lib.sh", "f() { arr=(a b); shift 2; }\nf a\n", "line 1 has an array"},
		{"lib.sh", "f() { shift 2; }\nf a\n", "read as POSIX sh"},
		{"lib", "f() { shift 2; }\nf a\n", "read as bash: no shebang"},
	}
	for _, tt := range tests {
		res, err := Check(tt.file, []byte(tt.src), Options{Include: []string{"QK5005"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Diagnostics) != 1 || !strings.Contains(res.Diagnostics[0].Message, tt.note) {
			t.Errorf("%s %q: want one finding noting %q, got %v", tt.file, tt.src, tt.note, res.Diagnostics)
		}
	}
	// A shebang decides; nothing is noted.
	res, err := Check("x.sh", []byte("#!/bin/sh\nf() { [[ -n $1 ]] && shift 2; }\nf a\n"), Options{Include: []string{"QK5005"}})
	if err != nil || len(res.Diagnostics) != 1 || strings.Contains(res.Diagnostics[0].Message, "read as") || res.Dialect != "sh" {
		t.Errorf("with a shebang: %v %v", err, res)
	}
}

// Hostile input: recovery stops within its budget and reports the error.
func TestRecoveryIsBounded(t *testing.T) {
	for _, src := range []string{
		strings.Repeat("f(a b)\n", 5000),                                          // an error on every line
		strings.Repeat("x=1\n", 100000) + "f(a b)\n" + strings.Repeat("}\n", 100), // the error near the end of a large file
		strings.Repeat("echo $((1.5))\n", 3000),
	} {
		p, err := parseScript("h.bash", []byte(src), "bash")
		if err == nil {
			t.Errorf("%.20q…: recovered %d ranges, want a parse error", src, len(p.skipped))
		}
	}
	// The budget is what bounds the work: a file with an error on every
	// line gets at most 256 parses, not one per line and candidate.
	p, err := parseScript("h.bash", []byte(strings.Repeat("f(a b)\n", 5000)), "bash")
	if err == nil || p == nil || p.attempts == 0 || p.attempts > 256 {
		t.Errorf("hostile input: err %v, %d parses", err, p.attempts)
	}
	if recoveryBudget(MaxSize) > 32<<20 {
		t.Errorf("budget for a %d MiB file is %d MiB", MaxSize>>20, recoveryBudget(MaxSize)>>20)
	}
}
