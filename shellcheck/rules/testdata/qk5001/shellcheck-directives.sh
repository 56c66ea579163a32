#!/bin/bash
# Editors show quirk's codes as SC5001 and insert "# shellcheck
# disable=SC5001", which real ShellCheck accepts: it means QK5001.
echo start
# shellcheck disable=SC5001
echo "${@:0}"
echo "${@:0}"                  # want `starts at \$0`
# The same with a QK code is honoured, but real ShellCheck cannot parse it:
# shellcheck disable=QK5001 # want `ShellCheck cannot parse QK5001 in a shellcheck directive`
echo "${@:0}"
