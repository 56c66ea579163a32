#!/bin/bash
# ShellCheck 0.9.0 gives $10 SC1037 (and SC2086, which is about the quotes:
# silencing it does not silence the digits).
echo start
# shellcheck disable=SC1037
echo "$10"
# shellcheck disable=SC2086
echo $10                       # want `\$10 is \$1 followed by "0"`
