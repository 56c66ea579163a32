#!/usr/bin/env bash
# How long a crasher is held, and how much disk its core takes, on the real
# kernel, in one run: the kernel writing the core file itself; two bare C
# readers as the core_pattern pipe program, which only drain the pipe (read()
# into 1 MiB and discard; splice() to /dev/null), the floor the kernel's own
# pipe writing imposes on any pipe handler; corehook "Compress = no" (raw
# sparse), "Compress = after" (raw sparse, crasher released, then zstd) and
# streaming zstd ("Compress = yes"); and zstd -1 run on the kernel's file.
# The crasher allocates SIZE MiB: 30% log-like text, 10% random, 60% never
# touched (holes in the kernel's file, zeros through a pipe). "Held" is from
# the crasher's last timestamp before raise(SIGSEGV) to its parent's wait
# returning. Each round runs every contender once, back to back; the table
# shows the median over the rounds, and each ratio is the median of the
# per-round ratios against that round's kernel file write (neighbours in
# time share the machine's load, which on a shared machine varies a lot).
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
# The floor: a pipe program that does nothing but drain the pipe, with the
# same 1 MiB pipe buffer corehook asks for.
cat >"$work/drain.c" <<'EOF'
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
static char buf[1 << 20];
int main(int argc, char **argv) {
	fcntl(0, F_SETPIPE_SZ, 1 << 20);
	if (argc > 1 && strcmp(argv[1], "splice") == 0) {
		int null = open("/dev/null", O_WRONLY);
		while (splice(0, 0, null, 0, 1 << 20, SPLICE_F_MOVE) > 0) {
		}
	} else {
		while (read(0, buf, sizeof buf) > 0) {
		}
	}
	return 0;
}
EOF
gcc -O2 -o "$work/drain" "$work/drain.c"

# held PATTERN_DIR: crash once, print the ms the crasher was held.
# Dirty pages from the previous contender are written back first, so that
# their writeback does not run during this crash.
held() {
	local t0 t1
	sync
	t0=$( (ulimit -c unlimited; cd "$1" && exec "$work/crasher" "$size_mib") 2>/dev/null || true)
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", (b - a) / 1e6 }'
}
# newest FIELD: a field of the newest stored crash's sidecar.
newest() {
	"$work/quirk" corehook list --json --config "$work/conf" |
		{ grep -o "\"$1\": *[^,]*" || true; } | tail -n1 | sed 's/.*: *//; s/"//g'
}
# wait_stored COMPRESSION: until the newest sidecar names a core of that
# kind (zstd once "Compress = after" finished its step after the release).
wait_stored() {
	for _ in $(seq 600); do
		[[ $(newest compression 2>/dev/null) == "$1" ]] && return
		sleep 0.1
	done
	echo "bench: the core was not stored as $1" >&2
	exit 1
}

mkdir -m 1777 "$work/k"
store="$work/s"
modes=(raw after stream)
contenders=(kernel read splice "${modes[@]}")
for f in "${contenders[@]}"; do : >"$work/$f.ms"; done
for f in "${modes[@]}"; do : >"$work/$f.rss"; done
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 0; r < rounds; r++)); do
	# The kernel writes the file itself.
	rm -f "$work/k"/core.*
	printf '%s\n' "$work/k/core.%p" >/proc/sys/kernel/core_pattern
	held "$work/k" >>"$work/kernel.ms"
	kcore=$(ls "$work/k"/core.*)
	# Bare readers, with the core_pipe_limit corehook installs.
	echo 16 >/proc/sys/kernel/core_pipe_limit
	for reader in read splice; do
		printf '|%s %s\n' "$work/drain" "$reader" >/proc/sys/kernel/core_pattern
		held "$work/k" >>"$work/$reader.ms"
	done
	for mode in "${modes[@]}"; do
		case $mode in
		raw) compress=no ;;
		after) compress=after ;;
		stream) compress=yes ;;
		esac
		printf 'Store = %s\nCompress = %s\nMaxUse = infinity\nKeepFree = 0\n' "$store" "$compress" >"$work/conf"
		"$work/quirk" corehook install --config "$work/conf" --force >/dev/null
		held "$work/k" >>"$work/$mode.ms"
		if [[ $mode == raw ]]; then wait_stored none; else wait_stored zstd; fi
		newest disk_size >"$work/$mode.disk"
		newest peak_rss_kb >>"$work/$mode.rss"
		[[ $mode != after ]] || newest compress_ms >>"$work/after.cms"
		"$work/quirk" corehook uninstall --config "$work/conf" >/dev/null
		rm -rf "$store"
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
logical=$(stat -c %s "$kcore")
kdisk=$(du -B1 "$kcore" | cut -f1)
t0=$(date +%s%N)
zsize=$(zstd -q -1 -T1 -c "$kcore" | wc -c)
zms=$(( ($(date +%s%N) - t0) / 1000000 ))

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maxof() { sort -n | tail -n1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# held_ratio C: the median over the rounds of C's held time / the kernel's.
held_ratio() {
	paste "$work/$1.ms" "$work/kernel.ms" | awk '{ printf "%.4f\n", $1 / $2 }' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m }'
}
row() { printf '%-32s %10s %8s %14s %10s %10s\n' "$@"; }
printf 'core: %d MiB logical (%s bytes), median of %d rounds, %s, load %s at start, %s at end\n\n' \
	"$size_mib" "$logical" "$rounds" "$(uname -r)" "$load0" "$load1"
row contender held-ms ratio on-disk peak-RSS after-ms
row "kernel writes the file" "$(median <"$work/kernel.ms")" 1.00 "$kdisk" "" ""
row "drain: read() to nowhere" "$(median <"$work/read.ms")" "$(held_ratio read)" "" "" ""
row "drain: splice() to /dev/null" "$(median <"$work/splice.ms")" "$(held_ratio splice)" "" "" ""
row "zstd -1 -T1 of that file" "" "" "$zsize" "" "$zms"
row "corehook Compress = no" "$(median <"$work/raw.ms")" "$(held_ratio raw)" "$(cat "$work/raw.disk")" "$(maxof <"$work/raw.rss") KiB" ""
row "corehook Compress = after" "$(median <"$work/after.ms")" "$(held_ratio after)" "$(cat "$work/after.disk")" "$(maxof <"$work/after.rss") KiB" "$(median <"$work/after.cms")"
row "corehook Compress = yes" "$(median <"$work/stream.ms")" "$(held_ratio stream)" "$(cat "$work/stream.disk")" "$(maxof <"$work/stream.rss") KiB" ""
echo
for c in "${contenders[@]}"; do printf 'held ms, %-7s %s\n' "$c:" "$(tr '\n' ' ' <"$work/$c.ms")"; done
echo
echo "held, Compress = after / kernel:   $(held_ratio after)  (target <= 0.5; the drain floor: $(held_ratio read))"
echo "held, Compress = yes / kernel:     $(held_ratio stream)"
echo "disk, Compress = after / zstd -1:  $(ratio "$(cat "$work/after.disk")" "$zsize")  (target <= 1)"
echo "disk, Compress = yes / zstd -1:    $(ratio "$(cat "$work/stream.disk")" "$zsize")"
echo "peak RSS of the handler, max over modes and rounds: $(cat "$work"/*.rss | maxof) KiB  (target < 65536)"
