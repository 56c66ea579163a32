#!/bin/bash
# Guards seen in real scripts that make sure of the count before a shift.

# eval "set -- $PARSED" after PARSED=$(getopt …) || exit: getopt made sure
# every option that takes a value has one.
PARSED=$(getopt -o o: -l out: -- "$@") || exit 2
eval "set -- $PARSED"
while true; do
	case $1 in
	-o | --out) out=$2; shift 2 ;;
	--) shift; break ;;
	esac
done

# A test of "$2" other than -z: [[ -d "$2" || "$2" == /* ]].
dest() {
	if [[ -d "$2" || "$2" == /* ]]; then
		shift 2
	fi
}
dest x

# [ "${3}" = flash ] is true only when there is a $3.
flash() {
	if [ "${3}" = flash ]; then
		shift 3
	fi
}
flash a b

# Without a guard the same shift is reported.
bare() {
	shift 3 # want `shift 3 with fewer than 3`
}
bare a b

# The old "x$2" idiom tests $2 too.
xguard() {
	[ "x$2" = x ] && return 1
	shift 2
}
xguard a

# A count the script worked out cannot be proved too large.
consumed() {
	local n=0
	while [ "${1#-}" != "$1" ]; do n=$((n + 1)); done
	shift "$n"
	shift $n
}
consumed a
