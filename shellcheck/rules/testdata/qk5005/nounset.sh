#!/bin/bash
# Under set -u, reading "$2" stops the script when there is no $2, so the
# shift after it cannot fail.
set -u
src="$1"
dst="$2"
shift 2
echo "$src $dst $*"
# The set -u spelling of a test of $2, and (( $# )).
opt() {
	[ -n "${2:-}" ] || return 1
	shift 2
}
opt a
