#!/bin/bash
# Under set -f unquoted expansions are split but not globbed: the message
# must not say they glob.
set -f
cmd $@ # want `^unquoted \$@ splits every argument again on IFS \(set -f is on, so they are not globbed`
