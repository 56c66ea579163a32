#!/bin/bash
shift 5                        # want `bash returns 1 silently and shifts nothing`
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;       # want `forever`
	-p) p=${2:?-p needs a value}; shift 2 ;;
	*) shift ;;
	esac
done
n=3
shift $n                       # want `shift \$n with fewer than 3 arguments`
# Checked, guarded or always safe.
shift 2 || exit 1
if shift 3; then :; fi
[ $# -ge 4 ] && shift 4
while getopts ab opt; do :; done
shift $((OPTIND - 1))
shift "$#"
shift
shift 1
f() {
	(( $# >= 2 )) || return
	shift 2
}
