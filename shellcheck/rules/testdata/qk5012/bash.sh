#!/bin/bash
cmd "--files=$@"               # want `in "--files=\$@" the text sticks to the first and last argument only`
cmd "x$@y" x"$@"               # want `"x\$@y"` `x"\$@"`
a=(1 2)
cmd "-${a[@]}-"                # want `sticks to the first and last`
# One word, or alone.
cmd "--files=$*" "$@" "${a[@]}" "${@}"
v="x$@"
# echo joins with spaces anyway (perf's buildid.sh, x/exp's checklib.sh).
echo -e "${GREEN}$@${NORMAL}"
printf "$@\n"                  # want `in "\$@\\n" the text sticks`
