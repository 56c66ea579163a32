#!/bin/bash
exec cmd ${@:2}                # want `unquoted \$\{@:2\} splits every argument again`
for a in $@; do :; done        # want `unquoted \$@`
rm $*                          # want `write "\$@"`
arr=($*)                       # want `unquoted \$\*`
# Quoted, or where no splitting happens.
x=$@
[[ $* == a ]]
case $@ in *) ;; esac
echo "$@" "${@:2}" ${#@} ${@+"$@"} ${1+"$@"}
