#!/bin/zsh
# zsh 5.9 gives $0 for "${@:$#}" with no arguments too; ${!#} is bash's.
print -r -- "${@:$#}" # want `is \$0`
