#!/bin/bash
cmd "--files=$@"               # want `in "--files=\$@" the text sticks to the first and last argument only`
cmd "x$@y" x"$@"               # want `"x\$@y"` `x"\$@"`
a=(1 2)
cmd "-${a[@]}-"                # want `sticks to the first and last`
# One word, or alone.
cmd "--files=$*" "$@" "${a[@]}" "${@}"
v="x$@"
