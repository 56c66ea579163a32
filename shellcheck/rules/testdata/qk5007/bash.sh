#!/bin/bash
tenth=$10                      # want `\$10 is \$1 followed by "0", not argument 10`
echo "$12 and $1 and ${10}"    # want `\$12 is \$1 followed by "2"`
echo "$1x" "${1}0" "$1.0" "$10a" # want `\$10 is \$1`
