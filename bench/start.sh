#!/usr/bin/env bash
# Start-up cost of two quirk binaries, measured side by side: wall time of
# "quirk version" (N runs of each, alternating, from $EPOCHREALTIME), the
# sum of GODEBUG=inittrace=1's init clock times (N/4 runs of each,
# alternating) with the biggest packages, minor page faults (GNU time, when
# installed) and the binaries' sizes.
#
# usage: bash bench/start.sh OLD NEW [N]   (N defaults to 200)
#
# e.g. the binary of main against the working tree's:
#   git archive main | (mkdir -p /tmp/q-main && tar -x -C /tmp/q-main)
#   (cd /tmp/q-main && CGO_ENABLED=0 go build -o /tmp/quirk-old ./cmd/quirk)
#   CGO_ENABLED=0 go build -o /tmp/quirk-new ./cmd/quirk   # the README's install build
#   bash bench/start.sh /tmp/quirk-old /tmp/quirk-new
set -euo pipefail
old=$1 new=$2 n=${3:-200}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin() { if [[ $1 == old ]]; then echo "$old"; else echo "$new"; fi; }

# median, p10, p90 of one number per line
stats() { sort -n | awk '{a[NR]=$1; s+=$1} END{printf "min %.2f  p10 %.2f  median %.2f  p90 %.2f  mean %.2f", a[1], a[int(NR*0.1)+1], a[int((NR+1)/2)], a[int(NR*0.9)], s/NR}'; }

echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for b in old new; do echo "$b: $(bin $b), $(stat -c %s "$(bin $b)") bytes"; done

for _ in 1 2 3 4 5; do "$old" version >/dev/null; "$new" version >/dev/null; done # page cache
for ((i = 0; i < n; i++)); do
	for b in old new; do
		t0=$EPOCHREALTIME
		"$(bin $b)" version >/dev/null
		t1=$EPOCHREALTIME
		echo $((${t1/./} - ${t0/./})) >>"$tmp/t-$b"
	done
done
echo "quirk version, ms per run ($n runs each, alternating):"
for b in old new; do echo "  $b: $(awk '{print $1/1000}' "$tmp/t-$b" | stats)"; done

m=$((n / 4))
for ((i = 0; i < m; i++)); do
	for b in old new; do
		GODEBUG=inittrace=1 "$(bin $b)" version 2>&1 >/dev/null | awk -v r=$i '/^init /{print r, $2, $5}' >>"$tmp/i-$b"
	done
done
echo "GODEBUG=inittrace=1 quirk version, sum of init clock times, ms ($m runs each, alternating), and each package's median:"
for b in old new; do
	echo "  $b: $(awk '{s[$1]+=$3} END{for (r in s) print s[r]}' "$tmp/i-$b" | stats)"
	sort -k2,2 -k3,3n "$tmp/i-$b" | awk '{v[$2]=v[$2]" "$3; c[$2]++} END{for (p in v) {split(substr(v[p],2),x," "); print x[int((c[p]+1)/2)], p}}' |
		sort -rn | awk 'NR <= 6 {printf "      %.2f %s\n", $1, $2}' # not head: sort, still writing, would die of SIGPIPE and pipefail end the script
done

if [[ -x /usr/bin/time ]]; then
	for ((i = 0; i < 20; i++)); do
		for b in old new; do /usr/bin/time -f %R "$(bin $b)" version 2>>"$tmp/f-$b" >/dev/null; done
	done
	echo "minor page faults (20 runs each, alternating):"
	for b in old new; do echo "  $b: $(stats <"$tmp/f-$b" | sed 's/\.00//g')"; done
fi
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
