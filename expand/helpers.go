package expand

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
