#!/usr/bin/env bash
# How long a crasher is held, and how much disk its core takes, on the real
# kernel, in one run: the kernel writing the core file itself, corehook with
# "Compress = after" (raw sparse, crasher released, then zstd), corehook
# streaming zstd ("Compress = yes"), and zstd -1 run on the kernel's file.
# The crasher allocates SIZE MiB: 30% log-like text, 10% random, 60% never
# touched (holes in the kernel's file, zeros through a pipe). "Held" is from
# the crasher's last timestamp before raise(SIGSEGV) to its parent's wait
# returning. Rounds interleave the contenders; the best round of each counts.
#
# Needs root. Holds /run/quirk-corehook-e2e.lock while it changes
# core_pattern and restores core_pattern, core_pipe_limit and suid_dumpable
# on exit, also on failure.
#
# usage: bench/corehook.sh [SIZE_MIB] [ROUNDS]
set -euo pipefail
size_mib=${1:-512}
rounds=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
[[ $(id -u) == 0 ]] || { echo "bench: needs root (it installs corehook into core_pattern)" >&2; exit 2; }
for tool in gcc zstd flock go; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not installed" >&2; exit 2; }
done
if [[ ${QUIRK_BENCH_LOCKED:-} != 1 ]]; then
	exec env QUIRK_BENCH_LOCKED=1 flock /run/quirk-corehook-e2e.lock "$0" "$@"
fi

work=$(mktemp -d /var/tmp/qb.XXXXXX)
chmod 755 "$work"
knobs=(kernel/core_pattern kernel/core_pipe_limit fs/suid_dumpable)
declare -A saved
for k in "${knobs[@]}"; do saved[$k]=$(cat "/proc/sys/$k"); done
restore() {
	"$work/quirk" corehook uninstall --force --config "$work/conf" >/dev/null 2>&1 || true
	for k in "${knobs[@]}"; do
		[[ $(cat "/proc/sys/$k") == "${saved[$k]}" ]] || printf '%s\n' "${saved[$k]}" >"/proc/sys/$k"
	done
	rm -rf "$work"
}
trap restore EXIT

(cd "$root" && go build -o "$work/quirk" ./cmd/quirk)
cat >"$work/crasher.c" <<'EOF'
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
int main(int argc, char **argv) {
	size_t n = (size_t)atol(argv[1]) << 20;
	char *m = mmap(0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) return 2;
	size_t text = n / 10 * 3, rnd = n / 10;
	unsigned long x = 88172645463325252UL;
	for (size_t i = 0; i < text;) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		i += snprintf(m + i, text - i, "2026-12-01T10:%02lu:%02lu worker[%lu] request id=%lu took %lu ms status=%s\n",
			x % 60, (x >> 8) % 60, (x >> 16) % 64, x % 1000003, (x >> 24) % 5000, (x & 1) ? "ok" : "retry");
	}
	for (size_t i = text; i < text + rnd; i += 8) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memcpy(m + i, &x, 8);
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	fflush(stdout);
	raise(SIGSEGV);
	return 0;
}
EOF
gcc -O2 -o "$work/crasher" "$work/crasher.c"

# held PATTERN_DIR: crash once, print the ms the crasher was held.
held() {
	local t0 t1
	t0=$( (ulimit -c unlimited; cd "$1" && exec "$work/crasher" "$size_mib") 2>/dev/null || true)
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", (b - a) / 1e6 }'
}
# newest FIELD: a field of the newest stored crash's sidecar.
newest() {
	"$work/quirk" corehook list --json --config "$work/conf" |
		{ grep -o "\"$1\": *[^,]*" || true; } | tail -n1 | sed 's/.*: *//; s/"//g'
}
wait_compressed() { # the sidecar names a core.zst once compression is done
	for _ in $(seq 600); do
		[[ $(newest compression 2>/dev/null) == zstd ]] && return
		sleep 0.1
	done
	echo "bench: compression did not finish" >&2
	exit 1
}

mkdir -m 1777 "$work/k"
store="$work/s"
best() { sort -n | head -n1; }
for f in kernel after stream; do : >"$work/$f.ms"; done
for ((r = 0; r < rounds; r++)); do
	# The kernel writes the file itself.
	rm -f "$work/k"/core.*
	printf '%s\n' "$work/k/core.%p" >/proc/sys/kernel/core_pattern
	held "$work/k" >>"$work/kernel.ms"
	kcore=$(ls "$work/k"/core.*)
	for mode in after stream; do
		[[ $mode == after ]] && compress=after || compress=yes
		printf 'Store = %s\nCompress = %s\nMaxUse = infinity\nKeepFree = 0\n' "$store" "$compress" >"$work/conf"
		"$work/quirk" corehook install --config "$work/conf" --force >/dev/null
		held "$work/k" >>"$work/$mode.ms"
		wait_compressed
		newest disk_size >"$work/$mode.disk"
		newest peak_rss_kb >"$work/$mode.rss"
		newest compress_ms >"$work/$mode.cms"
		"$work/quirk" corehook uninstall --config "$work/conf" >/dev/null
		rm -rf "$store"
	done
done
logical=$(stat -c %s "$kcore")
kdisk=$(du -B1 "$kcore" | cut -f1)
t0=$(date +%s%N)
zsize=$(zstd -q -1 -T1 -c "$kcore" | wc -c)
zms=$(( ($(date +%s%N) - t0) / 1000000 ))

k=$(best <"$work/kernel.ms")
a=$(best <"$work/after.ms")
s=$(best <"$work/stream.ms")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf 'core: %d MiB logical (%s), best of %d rounds, %s, load %s\n\n' "$size_mib" "$logical bytes" "$rounds" "$(uname -r)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-32s %10s %14s %9s %10s\n' contender held-ms on-disk peak-RSS after-ms
printf '%-32s %10s %14s %9s %10s\n' "kernel writes the file" "$k" "$kdisk" "" ""
printf '%-32s %10s %14s %9s %10s\n' "zstd -1 -T1 of that file" "" "$zsize" "" "$zms"
printf '%-32s %10s %14s %9s %10s\n' "corehook Compress = after" "$a" "$(cat "$work/after.disk")" "$(cat "$work/after.rss") KiB" "$(cat "$work/after.cms")"
printf '%-32s %10s %14s %9s %10s\n' "corehook Compress = yes" "$s" "$(cat "$work/stream.disk")" "$(cat "$work/stream.rss") KiB" ""
echo
echo "held, Compress = after / kernel:   $(ratio "$a" "$k")  (target <= 0.5)"
echo "held, Compress = yes / kernel:     $(ratio "$s" "$k")"
echo "disk, Compress = after / zstd -1:  $(ratio "$(cat "$work/after.disk")" "$zsize")  (target <= 1)"
echo "disk, Compress = yes / zstd -1:    $(ratio "$(cat "$work/stream.disk")" "$zsize")"
