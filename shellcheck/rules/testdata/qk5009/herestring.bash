#!/bin/bash
# A here-string is data, not a file name: joining with a newline for sort is
# the point (docker-library's generate-stackbrew-library.sh).
IFS=$'\n'; set -- $(sort -rV <<<"$*"); unset IFS
IFS=:
cat "$*" # want `used as a path for cat`
