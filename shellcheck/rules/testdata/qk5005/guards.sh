#!/bin/sh
# Guards seen in real scripts (heaptrack): a test that $2 is non-empty, also
# through a variable, counts as a check of the count.
while [ $# -gt 0 ]; do
	case "$1" in
	-o)
		if [ -z "$2" ]; then echo "Missing output argument."; exit 1; fi
		output=$2
		shift 2
		;;
	-p)
		pid=$2
		if [ -z "$pid" ]; then exit 1; fi
		shift 2
		;;
	-q)
		shift 2 # want `can't shift that many`
		;;
	*) shift ;;
	esac
done
