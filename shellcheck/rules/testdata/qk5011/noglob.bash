#!/bin/bash
# Under set -f unquoted expansions are split but not globbed: the message
# must not say they glob.
set -f
cmd $@ # want `^unquoted \$@ splits every argument again on IFS \(set -f is on, so they are not globbed`
# set -f inside a function holds for the rest of it (neofetch's trim).
trim() {
	set +f
	echo $* # want `^unquoted \$\* splits every argument again on IFS and expands globs`
	set -f
	set -- $* # want `^unquoted \$\* splits every argument again on IFS \(set -f is on`
	set +f
	echo $* # want `expands globs`
}
