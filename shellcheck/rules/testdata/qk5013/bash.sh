#!/bin/bash
# The last argument, with nothing making sure there is one: $0 with none.
last=${!#}       # want `^\$\{!#\} is \$0, the script name, when there are no arguments`
last="${@:$#}"   # want `^"\$\{@:\$#\}" is \$0`
f() {
	echo "${!#}" # want `^inside function f, "\$\{!#\}" is \$0`
}
f
# Called with "$@": what the script got, which nothing here knows.
e() { echo "${!#}"; }
e "$@"
# A check of the count first.
g() {
	[ $# -ge 1 ] || return
	echo "${!#}" "${@:$#}"
}
g "$@"
# Called with an argument every time.
h() { echo "${!#}"; }
h x
# Not the last argument.
echo "${@:$#-1}" "${!x}" "${#}"
# [ $# -eq 0 ] && usage: what goes on has an argument.
k() {
	if [ $# -eq 0 ]; then return 1; fi
	echo "${!#}"
}
k
# (( $# )) || usage.
m() {
	(( $# )) || return 1
	echo "${!#}"
}
m
