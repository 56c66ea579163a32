#!/bin/bash
# Reading "$2" without set -u proves nothing: it is just empty.
dst="$2"
shift 2 # want `shift 2 with fewer than 2`
echo "$dst"
