#!/bin/sh
# "((" opens two subshells in POSIX sh; bash would read arithmetic (zdiff).
((gzip -cdfq -- "$1"; echo $? >&4) 3>&- | cat) 4>&1
rm $*                          # want `unquoted \$\*`
