#!/bin/zsh
# zsh allows negative lengths on lists.
print -r -- "${@:1:-1}"
