#!/bin/bash
exec "${@:1:-1}"               # want `stops this line in bash with "substring expression < 0".*write "\$\{@:1:\(\$#>1\?\$#-1:0\)\}"`
echo "${@:2:-1}"               # want `write "\$\{@:2:\(\$#>2\?\$#-2:0\)\}"`
a=(x y z)
echo "${a[@]:0:-1}"            # want `write "\$\{a\[@\]:0:\(\$\{#a\[@\]\}>1\?\$\{#a\[@\]\}-1:0\)\}"`
echo "${*: -3:-2}"             # want `substring expression < 0`
n=-1
echo "${@:1:n}"                # want `substring expression`
# Strings may have negative lengths; positive lengths are fine.
s=hello
echo "${s:1:-1}" "${1:0:-1}" "${@:1:2}" "${a[@]:1:1}"
