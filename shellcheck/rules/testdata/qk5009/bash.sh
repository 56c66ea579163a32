#!/bin/bash
IFS=:
cd "$*"                        # want `joins the arguments with ":" because IFS was changed above, and the result is used as a path for cd`
cat < "$*"                     # want `used as a file name`
"$*"                           # want `used as the command name`
echo "$*"
IFS=$' \t\n'
cd "$*"
IFS=, printf '%s\n' "$*"       # want `expanded before IFS=, takes effect`
f() {
	local IFS=
	rm -- "${*:1}"               # want `joins the arguments with nothing \(IFS is empty\)`
}
g() {
	cd "$*"
}
