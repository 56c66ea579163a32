#!/usr/bin/env bash
# bench/netprobe.sh: `quirk netprobe scan` against ss on 50,000 TCP listeners,
# through the command line (process start, JSON to a pipe), in one run.
# Needs root: the sockets live in a private network namespace made with
# unshare(1), held by four helper processes (the netprobe test binary's
# NETPROBE_TEST_MANY mode), so nothing on the host is touched.
#
#   sudo bash bench/netprobe.sh [ROUNDS]
#
# Each figure is the best of ROUNDS (default 5) runs, of wall time and of CPU
# time (user+system of the child, from bash's times builtin); the ratios are
# scan's over ss's (below 1: scan is faster). On a loaded machine wall time
# mostly measures the wait for a core; CPU time does not. It also times the
# start of a Go program that does nothing and of `quirk version`: the part of
# the CLI figures no scanning code can remove.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
CGO_ENABLED=0 go build -o "$tmp/quirk" ./cmd/quirk # the README's install build
# The floor of any Go command line: the runtime's start, with nothing else.
mkdir "$tmp/hello-src"
printf 'package main\n\nfunc main() {}\n' >"$tmp/hello-src/main.go"
printf 'module hello\n' >"$tmp/hello-src/go.mod"
(cd "$tmp/hello-src" && go build -o "$tmp/hello" .)
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
once() { # once NAME CMD...: one run, as "NAME start end user sys"
	local name=$1
	shift
	# Wall time from $EPOCHREALTIME (microseconds); CPU time of the
	# child from the times builtin (milliseconds; GNU time prints only
	# hundredths, too coarse for a 40 ms run).
	(
		s=$EPOCHREALTIME
		"$@" >/dev/null
		e=$EPOCHREALTIME
		times >"$tmp/times-of-run" # in this shell: a pipe would fork
		echo "$name $s $e $(sed -n 2p "$tmp/times-of-run")"
	)
}
# The hypervisor'"'"'s share of CPU time during the runs ("steal" in
# /proc/stat): on a shared VM it slows both tools, more or less evenly.
cpustat() { awk '"'"'/^cpu /{ print $2 + $3 + $4 + $7 + $8, $9 }'"'"' /proc/stat; }
read -r busy0 steal0 < <(cpustat)
# Each pair that is compared runs in alternating rounds, so that a burst
# of load (or of the host'"'"'s steal) hits both alike; the best of ROUNDS
# of each. The pairs run one after the other: the walks of every
# process'"'"'s descriptors (900 ms for ss -tanp) leave the caches cold for
# whatever follows them.
{
	for _ in $(seq "$ROUNDS"); do
		once hello-world "$tmp/hello"
		once quirk-version "$tmp/quirk" version
	done
	for _ in $(seq "$ROUNDS"); do
		once scan-no-processes "$tmp/quirk" netprobe scan --no-processes --json
		once ss-tan ss -tan
	done
	for _ in $(seq "$ROUNDS"); do
		once scan "$tmp/quirk" netprobe scan --json
		once ss-tanp ss -tanp
	done
} | awk '"'"'
	function sec(t) { split(t, p, "m"); sub("s", "", p[2]); return p[1] * 60 + p[2] }
	{ n = $1; w = $3 - $2; c = sec($4) + sec($5)
	  if (!(n in bw) || w < bw[n]) bw[n] = w
	  if (!(n in bc) || c < bc[n]) bc[n] = c
	  if (!(n in seen)) { seen[n] = 1; order[++k] = n } }
	END { for (i = 1; i <= k; i++) printf "%s %.4f %.4f\n", order[i], bw[order[i]], bc[order[i]] }'"'"' | tee "$tmp/times"
awk '"'"'
	{ w[$1] = $2; c[$1] = $3 }
	END {
		printf "scan --no-processes / ss -tan:  wall %.2f, cpu %.2f (target <= 0.5)\n", w["scan-no-processes"] / w["ss-tan"], c["scan-no-processes"] / c["ss-tan"]
		printf "scan / ss -tanp:                wall %.2f, cpu %.2f (target <= 0.3)\n", w["scan"] / w["ss-tanp"], c["scan"] / c["ss-tanp"]
		printf "process start, wall: a Go hello-world %.1f ms, quirk version %.1f ms (%.2f and %.2f of ss -tan)\n", w["hello-world"] * 1e3, w["quirk-version"] * 1e3, w["hello-world"] / w["ss-tan"], w["quirk-version"] / w["ss-tan"]
	}'"'"' "$tmp/times"
read -r busy1 steal1 < <(cpustat)
echo "steal: $(( (steal1 - steal0) * 100 / (busy1 - busy0 + steal1 - steal0 + 1) ))% of CPU time during the runs"
'
