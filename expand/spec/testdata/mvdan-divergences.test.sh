## compare_shells: bash
# Divergences of mvdan.cc/sh v3.14.1 from bash 5.2 found for quirk issue #8,
# in the Oils spec format. Each case's expectation is bash's output; every
# mvdan divergence is listed in ../known-divergences.txt.

#### ${10} and above
set -- 1 2 3 4 5 6 7 8 9 10 11
argv.py "${10}" "${11}"
## STDOUT:
['10', '11']
## END

#### "${@:-x}" and "${*:-x}" without parameters
set --
argv.py "${@:-x}" "${*:-y}"
## STDOUT:
['x', 'y']
## END

#### "${a[@]:-x}" for an empty array
a=()
argv.py "${a[@]:-x}"
## STDOUT:
['x']
## END

#### "${@:?}" without parameters fails
set --
( : "${@:?}" ) 2>/dev/null
echo "status $?"
## STDOUT:
status 1
## END

#### "${x:-"$@"}" keeps the fields
set -- a 'b c'
x=
argv.py "${x:-"$@"}"
## STDOUT:
['a', 'b c']
## END

#### ${1+"$@"} with IFS=''
set -- a 'b c'
IFS=''
argv.py ${1+"$@"}
## STDOUT:
['a', 'b c']
## END

#### @Q on $@
set -- a 'b c'
argv.py "${@@Q}"
## STDOUT:
["'a'", "'b c'"]
## END

#### IFS=, read keeps empty fields
IFS=, read -r a b c <<< 'x,,z'
argv.py "$a" "$b" "$c"
## STDOUT:
['x', '', 'z']
## END
