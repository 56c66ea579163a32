#!/bin/bash
exec docker compose "${@:0:1}" # want `"\$\{@:0:1\}" is \$0, the script name, not the first argument`
echo "${*:0}"                  # want `starts at \$0, the script name`
printf '%s\n' "${@:0}"         # want `starts at \$0`
echo "${@:1-1}"                # want `starts at \$0`
echo "${@: -0}"                # want `starts at \$0`
n=0
echo "${@:$n}"                 # want `starts at \$0`
echo "${@:n:2}"                # want `followed by only 1 argument`
bm() {
	run -e "${@:0:1}"            # want `^inside function bm, .* not the first argument`
}
# Look-alikes that must stay silent.
arr=(a b c)
echo "${arr[@]:0}" "${arr[*]:0:1}"
echo "${1:0:1}" "${var:0}" "${@:1}" "${@:-0}"
bash -c 'exec "${@:0}"' arg0 "$@"
m=$RANDOM
echo "${@:$m}"
k=0
k=1
echo "${@:$k}"
echo "${@:$((1-1))}"           # want `starts at \$0`
