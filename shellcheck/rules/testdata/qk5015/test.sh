#!/bin/sh
if [ -n "$@" ]; then echo some; fi # want `^\[ -n "\$@" \] is true with no arguments`
[ -z "$@" ] && echo none           # want `^\[ -z "\$@" \] fails with "binary operator expected"`
test "$@" && echo x                # want `^"\$@" in \[ \] is one word only with exactly one argument`
# One word each.
[ -n "$*" ] && [ $# -gt 0 ] && [ -n "$1" ]
