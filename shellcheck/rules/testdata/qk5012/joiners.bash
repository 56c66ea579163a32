#!/bin/bash
# Calls whose glue cannot show: eval joins its arguments with spaces, like
# echo, and so does a function here that only uses them joined.
die() { echo "error: $*" >&2; exit 1; }
note() { local msg="$@"; printf '%s\n' "$msg"; }
eval "x=$@"
die "cannot open $@"
note "see $@ here"

# A function that keeps its arguments apart shows the glue.
show() { printf '<%s>' "$@"; }
show "cannot open $@" # want `sticks to the first and last`

# The dispatch idiom builds a function name from the first argument: the
# glue is the point, and "$*" would break it.
_cmd_"$@"

# One word with three lists is one finding.
a=(1) b=(2) c=(3)
printf '%s\n' "${a[@]}-${b[@]}-${c[@]}" # want `sticks to the first and last`

# A function here that reads $1 on its own: a prefix glued to "$@" labels the
# first argument (acme.sh's _printargs "${_bash_debug}$@" printing $1='$2').
printargs() { printf '%s\n' "$1='$2'"; }
printargs "${prefix}$@"
# A suffix still sticks to the last argument only.
printargs "$@${suffix}" # want `sticks to the first and last`
