#!/bin/bash
echo "${@:0}"                  # want `starts at \$1 before bash 4.0 but at \$0 from 4.0 on`
name=${file:0:-3}              # want `negative length is an error before bash 4.2`
a=(x y)
echo "${a[-1]}"                # want `negative array subscript`
echo "${file:1:2}" "${a[0]}" "${@:1}"
