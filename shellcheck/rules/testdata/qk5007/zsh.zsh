#!/bin/zsh
# zsh reads $10 as the tenth argument.
print -r -- $10
