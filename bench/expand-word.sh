#!/usr/bin/env bash
# One word through the CLI against a bare "bash -c", in one run, with the
# pieces in between, so the ratio says where the time goes:
#   bash -c             the peer: one process, no sandbox
#   bwrap true          bubblewrap's namespaces and mounts alone (as nobody)
#   bwrap ro-bind       the least bubblewrap does: "bwrap --ro-bind / / true"
#   quirk version       the quirk binary's start alone (Go runtime and package inits)
#   quirk expand        the whole command: sandbox, limiter, bubblewrap, bash
# The floor a namespace sandbox leaves is "quirk version" + "bwrap true" +
# "bash -c": it is printed as a ratio to "bash -c" beside quirk's own.
# Usage: bench/expand-word.sh [ROUNDS]   (needs root for the bwrap row, as quirk does)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
quirk=$(mktemp -d)/quirk
CGO_ENABLED=0 go build -o "$quirk" ./cmd/quirk # the README's install build
trap 'rm -rf "$(dirname "$quirk")"' EXIT
word='"${@:0:1}"'
bw=(bwrap --unshare-user --disable-userns --unshare-ipc --unshare-pid --unshare-net --unshare-uts
	--unshare-cgroup-try --die-with-parent --new-session --ro-bind /usr /usr --symlink usr/bin /bin
	--symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp --remount-ro /)
# Microseconds from bash's own clock, read without a fork: "date +%s%N"
# added a fork and an exec of date (about 2 ms here) to every row, and
# "$(f)" a fork.
us() { now=${EPOCHREALTIME/./}; }
declare -A total=([bash]=0 [bwrap]=0 [robind]=0 [start]=0 [quirk]=0)
for ((i = 0; i < rounds; i++)); do
	# Interleaved, so that the machine's load hits every row alike.
	us; t=$now; bash -c "printf '%s\0' $word" t.sh a >/dev/null; us; total[bash]=$((total[bash] + now - t))
	us; t=$now; setpriv --reuid 65534 --regid 65534 --clear-groups "${bw[@]}" -- /bin/true; us; total[bwrap]=$((total[bwrap] + now - t))
	us; t=$now; bwrap --ro-bind / / /bin/true; us; total[robind]=$((total[robind] + now - t))
	us; t=$now; "$quirk" version >/dev/null; us; total[start]=$((total[start] + now - t))
	us; t=$now; "$quirk" expand --shells bash --arg0 t.sh "$word" -- a >/dev/null; us; total[quirk]=$((total[quirk] + now - t))
done
declare -A label=([bash]="bash -c" [bwrap]="bwrap true" [robind]="bwrap ro-bind" [start]="quirk version" [quirk]="quirk expand")
for k in bash bwrap robind start quirk; do
	printf '%-14s %7.2f ms per run\n' "${label[$k]}" "$(bc -l <<<"${total[$k]} / $rounds / 1000" 2>/dev/null || echo $((total[$k] / rounds / 1000)))"
done
ratio() { echo "$(($1 * 10 / total[bash] / 10)).$(($1 * 10 / total[bash] % 10))x"; }
printf 'ratio quirk expand / bash -c: %s\n' "$(ratio "${total[quirk]}")"
printf 'floor (quirk version + bwrap true + bash -c) / bash -c: %s\n' "$(ratio $((total[start] + total[bwrap] + total[bash])))"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
