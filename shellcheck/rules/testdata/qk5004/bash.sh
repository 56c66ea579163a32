#!/bin/bash
last=${@: -1}                  # want `is \$0, the script name, when there are no arguments`
echo "${@: -2}"                # want `starts at \$0, the script name, when \$@ holds 1 argument, and is empty with fewer`
f() {
	echo "${@:(-1)}"             # want `^inside function f`
}
g() {
	[ $# -ge 2 ] || return 1
	echo "${@: -2}"
}
h() {
	: "${1:?usage: h file}"
	echo "${@: -1}"
}
k() {
	if (( $# < 3 )); then return; fi
	echo "${@: -3:1}"
}
m() {
	[[ $# -gt 0 ]] && echo "${@: -2}" # want `when \$@ holds 1 argument`
}
echo "${@:1}" "${@:2:1}" "${a[@]: -1}"
