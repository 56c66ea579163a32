#!/bin/bash
# ShellCheck 0.9.0 gives x=$@ SC2124.
echo start
# shellcheck disable=SC2124
x=$@
# shellcheck disable=SC5008
x=$@
y=$@                           # want `assigning \$@ to y`
