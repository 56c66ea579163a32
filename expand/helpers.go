package expand

import (
	"fmt"
	"strings"
)

// argvHelper is the sandbox's argv.py: the Oils spec cases call it to show
// their arguments, and it prints them as a Python list repr (['a', 'b c']).
// It is a bash script because PATH holds nothing else and python3 may be
// absent; it follows CPython's str repr for ASCII, tabs, newlines, other
// control bytes and quote choice.
func argvHelper(bash string) string {
	return "#!" + bash + `
# argv.py stand-in written by quirk: print "$@" as a Python list repr.
LC_ALL=C
out='[' sep=''
for a in "$@"; do
	q="'"
	if [[ $a == *"'"* && $a != *'"'* ]]; then q='"'; fi
	s=${a//\\/\\\\}
	if [[ $q == "'" ]]; then s=${s//\'/\\\'}; fi
	s=${s//$'\t'/\\t} s=${s//$'\n'/\\n} s=${s//$'\r'/\\r}
	if [[ $s == *[$'\x01'-$'\x1f'$'\x7f']* ]]; then
		for ((i = 1; i < 128; i++)); do
			((i < 32 || i == 127)) || continue
			printf -v hex '%02x' "$i"
			printf -v c "\\x$hex"
			s=${s//"$c"/\\x$hex}
		done
	fi
	out+="$sep$q$s$q" sep=', '
done
printf '%s]\n' "$out"
`
}

// printenvHelper is Oils' printenv.py: each named variable's value from
// the environment, or None.
func printenvHelper(bash string) string {
	return "#!" + bash + `
# printenv.py stand-in written by quirk.
for name in "$@"; do
	if [[ -v $name ]]; then printf '%s\n' "${!name}"; else echo None; fi
done
`
}

// PythonListRepr renders args as CPython's repr of a list of str, which is
// what Oils' argv.py prints: ['a', "it's", 'tab\there'].
func PythonListRepr(args []string) string {
	var b strings.Builder
	b.WriteString("[")
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(pythonStrRepr(a))
	}
	b.WriteString("]")
	return b.String()
}

func pythonStrRepr(s string) string {
	q := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == q:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(q)
	return b.String()
}
