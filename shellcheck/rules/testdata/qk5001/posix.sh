#!/bin/sh
# In POSIX sh slicing itself is the problem (QK5006), not the offset.
echo "${@:0}"
