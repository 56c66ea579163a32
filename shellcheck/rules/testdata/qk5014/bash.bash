#!/bin/bash
# bash has substrings.
echo "${1:0:1}" "${x: -2}"
