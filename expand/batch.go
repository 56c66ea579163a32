package expand

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// A batch is one shell process evaluating many cases. The generated script
// is sourced with ". FILE" from "SHELL -c", so $0 stays the case's Arg0
// (cases are grouped by Arg0, one process per distinct value). Per case it
// writes, in order:
//
//	fd 1 and fd 2: a marker "\x1equirk:N\x1f", then the case's own output;
//	fd 3: "cN\0", then "nK\0" and K NUL-terminated fields when the printing
//	      command ran, then "sSTATUS\0" after the subshell ended.
//
// Each case runs as ( set -- ARGS; eval 'SETUP
// __quirk_emit WORD' ): the subshell contains errors that end a shell (dash's
// "Bad substitution") or the rest of a line (bash's "substring expression <
// 0"), and eval turns a syntax error into that case's error instead of the
// whole batch's.
const markerPrefix = "\x1equirk:"

// emitter returns the shell functions that write records; mksh has no
// printf builtin, so it uses print.
func emitter(printBuiltin bool) string {
	if printBuiltin {
		return `__quirk_emit() { print -rn -- "n$#" >&3; print -n '\0' >&3; for __quirk_f do print -rn -- "$__quirk_f" >&3; print -n '\0' >&3; done; }
__quirk_case() { print -rn -- "` + markerPrefix + `$1` + "\x1f" + `"; print -rn -- "` + markerPrefix + `$1` + "\x1f" + `" >&2; print -rn -- "c$1" >&3; print -n '\0' >&3; }
__quirk_status() { print -rn -- "s$1" >&3; print -n '\0' >&3; }
`
	}
	return `__quirk_emit() { printf 'n%d\0' "$#" >&3; for __quirk_f do printf '%s\0' "$__quirk_f" >&3; done; }
__quirk_case() { printf '` + markerPrefix + `%s` + "\x1f" + `' "$1"; printf '` + markerPrefix + `%s` + "\x1f" + `' "$1" >&2; printf 'c%s\0' "$1" >&3; }
__quirk_status() { printf 's%d\0' "$1" >&3; }
`
}

// shellQuote single-quotes s for any POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// batchScript renders cases (with their indexes in the caller's slice).
func batchScript(printBuiltin bool, cases []WordCase, index []int) string {
	var b strings.Builder
	b.WriteString(emitter(printBuiltin))
	for i, c := range cases {
		fmt.Fprintf(&b, "__quirk_case %d\n( set --", index[i])
		for _, a := range c.Args {
			b.WriteString(" ")
			b.WriteString(shellQuote(a))
		}
		body := "__quirk_emit " + c.Word
		if c.Setup != "" {
			body = c.Setup + "\n" + body
		}
		fmt.Fprintf(&b, "\n eval %s\n) </dev/null\n__quirk_status \"$?\"\n", shellQuote(body))
	}
	return b.String()
}

// splitMarked cuts a stdout or stderr stream at the case markers.
func splitMarked(stream []byte) map[int]string {
	out := map[int]string{}
	parts := bytes.Split(stream, []byte(markerPrefix))
	for _, p := range parts[1:] {
		end := bytes.IndexByte(p, 0x1f)
		if end < 0 {
			continue
		}
		n, err := strconv.Atoi(string(p[:end]))
		if err != nil {
			continue
		}
		out[n] += string(p[end+1:])
	}
	return out
}

// caseRecord is what fd 3 said about one case.
type caseRecord struct {
	fields   []string
	status   int
	finished bool
}

// parseRecords reads the fd 3 token stream. A case that started but has no
// status record was cut short (timeout or kill).
func parseRecords(stream []byte) (map[int]*caseRecord, error) {
	recs := map[int]*caseRecord{}
	tokens := bytes.Split(stream, []byte{0})
	// The stream ends with a NUL, so the last token is empty.
	if len(tokens) > 0 && len(tokens[len(tokens)-1]) == 0 {
		tokens = tokens[:len(tokens)-1]
	}
	var cur *caseRecord
	for i := 0; i < len(tokens); i++ {
		t := tokens[i]
		if len(t) == 0 {
			return recs, fmt.Errorf("record stream: empty token at %d", i)
		}
		num, err := strconv.Atoi(string(t[1:]))
		if err != nil {
			return recs, fmt.Errorf("record stream: bad token %q", t)
		}
		switch t[0] {
		case 'c':
			cur = &caseRecord{}
			recs[num] = cur
		case 'n':
			if cur == nil || num < 0 {
				return recs, fmt.Errorf("record stream: bad field count %q", t)
			}
			if i+num >= len(tokens) {
				// Cut short while printing: leave the case unfinished.
				return recs, nil
			}
			cur.fields = make([]string, 0, num)
			for _, f := range tokens[i+1 : i+1+num] {
				cur.fields = append(cur.fields, string(f))
			}
			i += num
		case 's':
			if cur == nil {
				return recs, fmt.Errorf("record stream: status without a case")
			}
			cur.status, cur.finished = num, true
			cur = nil
		default:
			return recs, fmt.Errorf("record stream: bad token %q", t)
		}
	}
	return recs, nil
}
