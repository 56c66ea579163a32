#!/bin/bash
a=(x y)
[ -z "${a[@]}" ] && echo empty # want `fails with "binary operator expected"`
# [[ ]] does not split, and a one-element slice is one word.
[[ -z "$@" ]]
[ -n "${@: -1}" ] && [ -n "${@:$#}" ]
