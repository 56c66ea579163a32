#!/bin/bash
# util-linux's getopt example: after eval set -- "$(getopt …)" every option
# that takes a value has one.
TEMP=$(getopt -o 'ab:' -n example -- "$@") || exit 1
eval set -- "$TEMP"
while true; do
	case "$1" in
	-b) echo "Option b, argument '$2'"; shift 2; continue ;;
	--) shift; break ;;
	esac
done
