#!/bin/bash
# ${tmp[@]} of a name only ever assigned a scalar is that one value: nothing
# is joined.
tmp=$(mktemp)
copy="${tmp[@]}"
arr=(a b)
joined="${arr[@]}" # want `assigning \$\{arr\[@\]\} to joined joins the elements`
# A name this file never assigns may be an array from a sourced file.
candidates=${CANDIDATES[@]} # want `assigning \$\{CANDIDATES\[@\]\} to candidates`
read -ra words <<<"x y"
w="${words[@]}" # want `assigning \$\{words\[@\]\} to w`
