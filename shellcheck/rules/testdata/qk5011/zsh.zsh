#!/bin/zsh
print -r -- $@
