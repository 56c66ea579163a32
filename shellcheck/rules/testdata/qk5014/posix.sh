#!/bin/sh
# Docker entrypoint style: dash stops with "Bad substitution".
if [ "${1:0:1}" = '-' ]; then # want `^\$\{1:0:1\} is a bash substring: dash stops the whole script`
	set -- mysqld "$@"
fi
x=hello
echo "${x: -2}" ${x:1} # want `\$\{x: -2\} is a bash substring` `\$\{x:1\} is a bash substring`
# Defaults are POSIX.
echo "${x:-2}" "${1:-def}" "${x:=y}" "${x#?}"
# Lists are QK5006's.
echo "${@:2}"
