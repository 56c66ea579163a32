#!/bin/bash
f() {
	local filename="${@:-1}"     # want `every argument, or the word "1" when there are none`
	exit "${@:-1}"               # want `last 1 argument write "\$\{@: -1\}"`
}
[[ "${*:-2}" == force ]]       # want `"\$\{\*:-2\}" is every argument`
# Deliberate defaults and real offsets stay silent.
for ranks in "${@:-1}"; do :; done
CHECKERS=("${@:-1}")
echo "${@: -1}" "${@:(-1)}" "${@:-default}" "${@:-"1"}" "${1:-1}" "${var:-1}"
