#!/bin/bash
# A line silenced for ShellCheck is silenced for the quirk check that warns
# about the same construct (ShellCheck 0.9.0 gives unquoted "$@" SC2068,
# unquoted "$*" SC2048 and SC2086, a=($@) SC2206).
echo start
# shellcheck disable=SC2068
cmd $@
# shellcheck disable=SC2068
cmd ${@:2}
# shellcheck disable=SC2048
cmd $*
# shellcheck disable=SC2086
cmd $*
# shellcheck disable=SC2206
a=($@)
# shellcheck disable=SC2086
cmd $@                       # want `unquoted \$@ splits`
# shellcheck disable=SC2000-SC2100
cmd $@ $*
# shellcheck disable=SC5011
cmd $@
cmd $@                       # want `unquoted \$@ splits`
