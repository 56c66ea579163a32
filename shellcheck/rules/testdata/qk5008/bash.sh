#!/bin/bash
x=$@                           # want `assigning \$@ to x joins the arguments with a space in bash`
f() {
	local y="$@"                 # want `assigning \$@ to y`
	z=--${@:2}                   # want `assigning \$\{@:2\} to z`
	w="--${@:2}"                 # bash joins a quoted slice with the first IFS character, like "${*:2}"
}
a=(1 2)
b="${a[@]}"                    # want `assigning \$\{a\[@\]\} to b joins the elements with a space whatever IFS holds`
# Arrays, "$*", single elements and counts stay silent.
args=("$@")
s="$*"
last="${@: -1}"
last2=${@:$#}
first=${@:1:1}
n=${#@}
declare -a arr=("$@")
