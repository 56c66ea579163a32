#!/usr/bin/env bash
# bench/netprobe.sh: `quirk netprobe scan` against ss on 50,000 TCP listeners,
# through the command line (process start, JSON to a pipe), in one run.
# Needs root: the sockets live in a private network namespace made with
# unshare(1), held by four helper processes (the netprobe test binary's
# NETPROBE_TEST_MANY mode), so nothing on the host is touched.
#
#   sudo bash bench/netprobe.sh [ROUNDS]
#
# Each figure is the best of ROUNDS (default 5) alternating runs; the ratios
# are scan's time over ss's (below 1: scan is faster).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
go build -o "$tmp/quirk" ./cmd/quirk
go test -c -o "$tmp/netprobe.test" ./netprobe

export TMP_BENCH=$tmp ROUNDS=$rounds
unshare --net bash -c '
set -euo pipefail
ip link set lo up
tmp=$TMP_BENCH
per=12500
for h in 0 1 2 3; do
	mkfifo "$tmp/in$h"
	NETPROBE_TEST_MANY="$((10000 + h * per / 2)) $per" "$tmp/netprobe.test" -test.run="^$" <"$tmp/in$h" >"$tmp/out$h" &
	exec {fd}>"$tmp/in$h" # keeps the holder alive until this shell exits
	until grep -q ready "$tmp/out$h" 2>/dev/null; do
		grep -q error "$tmp/out$h" 2>/dev/null && { cat "$tmp/out$h"; exit 1; }
		sleep 0.1
	done
done
n=$(ss -Htan | wc -l)
echo "sockets in the namespace: $n"
best() { # best() NAME CMD...: the best wall time of $ROUNDS runs, in ms
	local name=$1 b=
	shift
	for _ in $(seq "$ROUNDS"); do
		local s=$(date +%s%N)
		"$@" >/dev/null
		local d=$(( ($(date +%s%N) - s) / 1000 ))
		if [[ -z $b || $d -lt $b ]]; then b=$d; fi
	done
	printf "%s %d.%03d\n" "$name" $((b / 1000)) $((b % 1000))
}
{
	best scan-no-processes "$tmp/quirk" netprobe scan --no-processes --json
	best ss-tan ss -tan
	best scan "$tmp/quirk" netprobe scan --json
	best ss-tanp ss -tanp
} | tee "$tmp/times"
awk '"'"'
	{ t[$1] = $2 }
	END {
		printf "scan --no-processes / ss -tan:  %.2f (target <= 0.5)\n", t["scan-no-processes"] / t["ss-tan"]
		printf "scan / ss -tanp:                %.2f (target <= 0.3)\n", t["scan"] / t["ss-tanp"]
	}'"'"' "$tmp/times"
'
