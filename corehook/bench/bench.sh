#!/usr/bin/env bash
# Streams a synthetic core (default 1 GiB: ~60% zero pages, ~30% text, ~10%
# random) through "quirk corehook handle" in raw-sparse and zstd mode, and
# through the peers "cat > file" and "zstd -1 > file", all fed by the same
# pipe the kernel would use. Prints MB/s, output sizes, speed ratios and the
# handler's own peak RSS and release delay (from its JSON sidecar).
#
# MIX is "synthetic" (log-like text with random numbers: hard for zstd) or
# "system" (the text slots hold the bytes of /usr/bin and /usr/lib files).
#
# usage: corehook/bench/bench.sh [SIZE_MIB] [RUNS] [MIX]
set -euo pipefail
size_mib=${1:-1024}
runs=${2:-3}
mix=${3:-synthetic}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/var/tmp}/corehook-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

command -v zstd >/dev/null || { echo "bench: zstd CLI not installed" >&2; exit 2; }
(cd "$root" && go build -o "$work/quirk" ./cmd/quirk && go run ./corehook/bench/gencore "$size_mib" "$mix" >"$work/core")
bytes=$(stat -c %s "$work/core")
cat "$work/core" >/dev/null # page cache warm for every contender

now() { date +%s.%N; }

# best_of CMD...: runs CMD $runs times, prints the best wall time in seconds.
best_of() {
	local best="" t0 t1 el
	for ((i = 0; i < runs; i++)); do
		rm -rf "$work/out" && mkdir -m 755 "$work/out"
		sync
		t0=$(now)
		"$@"
		t1=$(now)
		el=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
		if [[ -z $best ]] || awk -v a="$el" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$el
			# Keep what the best run produced for the size report.
			du -s -B1 "$work/out" | cut -f1 >"$work/best.disk"
			rm -rf "$work/best" && mkdir "$work/best"
			cp "$work/out"/*.json "$work/best/" 2>/dev/null || true
		fi
	done
	echo "$best"
}

handler() { # handler COMPRESS
	printf 'Compress = %s\nMaxUse = infinity\nKeepFree = 0\n' "$1" >"$work/conf"
	# The pipe stands in for the kernel's; the same for every contender.
	# shellcheck disable=SC2002
	cat "$work/core" | "$work/quirk" corehook handle -c "$work/conf" -s "$work/out" \
		999999999 999999999 999999999 999999999 1000 1000 11 "$(date +%s)" 18446744073709551615 1 0 - bench bench
}
# shellcheck disable=SC2002
peer_cat() { cat "$work/core" | cat >"$work/out/core"; }
# shellcheck disable=SC2002
peer_zstd() { cat "$work/core" | zstd -q -1 -T1 >"$work/out/core.zst"; }

on_disk() { cat "$work/best.disk"; }
sidecar() { # sidecar FIELD: a numeric field of the stored crash's JSON
	grep -ho "\"$1\": [0-9]*" "$work/best"/*.json | head -n1 | awk '{ print $2 }'
}

printf 'input: %d bytes (%d MiB, %s mix), best of %d runs, %s, load %s\n\n' "$bytes" "$size_mib" "$mix" "$runs" "$(uname -r)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-26s %9s %10s %14s %8s %12s %11s\n' contender seconds MB/s on-disk ratio peak-RSS release
report() { # report NAME SECONDS [RSS_KB RELEASE_MS]
	local disk mbps
	disk=$(on_disk)
	mbps=$(awk -v b="$bytes" -v s="$2" 'BEGIN { printf "%.0f", b / 1e6 / s }')
	printf '%-26s %9s %10s %14s %7.1f%% %12s %11s\n' "$1" "$2" "$mbps" "$disk" \
		"$(awk -v d="$disk" -v b="$bytes" 'BEGIN { print 100 * d / b }')" "${3:-}" "${4:-}"
	echo "$mbps" >"$work/mbps.$1"
}

t=$(best_of peer_cat); report "cat > file" "$t"
t=$(best_of handler no); report "corehook raw sparse" "$t" "$(sidecar peak_rss_kb) KiB" "$(sidecar release_ms) ms"
t=$(best_of peer_zstd); report "zstd -1 -T1 > file" "$t"
t=$(best_of handler yes); report "corehook zstd" "$t" "$(sidecar peak_rss_kb) KiB" "$(sidecar release_ms) ms"

ratio() { awk -v a="$(cat "$work/mbps.$1")" -v b="$(cat "$work/mbps.$2")" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "speed ratio raw sparse / cat:  $(ratio "corehook raw sparse" "cat > file")  (target >= 1)"
echo "speed ratio zstd / zstd -1:    $(ratio "corehook zstd" "zstd -1 -T1 > file")  (target > 1)"
