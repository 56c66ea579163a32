#!/bin/sh
rest="${@:2}"                  # want `is bash syntax: dash stops with "Bad substitution"`
last="${!#}"                   # want `silently empty|empty string without an error`
n=${#@}                        # want `length of the joined arguments in dash`
echo "${*:0:1}" "${#*}"        # want `Bad substitution` `length of the joined`
# POSIX forms stay silent.
echo "$@" "$*" "$#" "${1:-x}" "${@:-x}" "${#1}"
