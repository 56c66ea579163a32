#!/bin/sh
# ShellCheck 0.9.0 gives "${@:2}" SC3057 and ${#@} SC3058; it gives ${!#}
# nothing (SC3053, indirect expansion, misses it), so no directive hides it.
echo start
# shellcheck disable=SC3057
rest="${@:2}"
# shellcheck disable=SC3058
n=${#@}
# shellcheck disable=SC3053
last="${!#}"                   # want `empty string without an error`
# shellcheck disable=SC3057
n=${#@}                        # want `length of the joined arguments`
