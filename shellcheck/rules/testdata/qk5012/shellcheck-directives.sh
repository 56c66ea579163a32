#!/bin/bash
# ShellCheck 0.9.0 gives "x$@y" SC2145.
echo start
# shellcheck disable=SC2145
printf '%s\n' "x$@y"
printf '%s\n' "-$@-"           # want `the text sticks to the first and last argument only`
