#!/bin/bash
# Library functions whose callers are elsewhere (a sourced file, a test body
# in a string) cannot be proved to get too few arguments (dokku's
# test_helper.bash, bash-my-aws's lib/*-functions).
run_plugin_script() {
	local name=$1 script=$2
	shift 2
	run "$name/$script" "$@"
}

# A call in this file that passes too few is still reported.
tag_create() {
	local key=$1 value=$2
	shift 2 # want `shift 2 with fewer than 2 arguments fails`
	tag "$key" "$value" "$@"
}
tag_create onlykey

# Twin option loops get the same finding whatever their callers pass: the
# loop reads whatever the user gave.
parse_a() {
	while [[ $# -gt 0 ]]; do
		case $1 in
		-o) out=$2; shift 2 ;; # want `shift 2 with fewer than 2`
		*) shift ;;
		esac
	done
}
parse_b() {
	while [[ $# -gt 0 ]]; do
		case $1 in
		-o) out=$2; shift 2 ;; # want `shift 2 with fewer than 2`
		*) shift ;;
		esac
	done
}
parse_a -o file
parse_b "$@"
