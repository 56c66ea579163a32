#!/usr/bin/env bash
# Times "quirk check" against ShellCheck over the shell scripts installed on
# this machine (/usr/bin, /usr/sbin, /etc/init.d, dpkg maintainer scripts),
# in one run, and prints the ratio; then compares quirk's check with
# mvdan.cc/sh's bare parse of the same files (go test -bench).
set -euo pipefail
cd "$(dirname "$0")/.."

list=$(mktemp)
trap 'rm -f "$list" "$list.bin"' EXIT
bash bench/corpus.sh >"$list"
files=$(wc -l <"$list")
bytes=$(xargs -d '\n' cat <"$list" | wc -c)
echo "corpus: $files scripts, $((bytes / 1024)) KiB"

go build -o "$list.bin" ./cmd/quirk
now() { date +%s%N; }

# Warm the page cache so neither tool pays for the first read.
xargs -d '\n' cat <"$list" >/dev/null

runs=5
start=$(now)
for _ in $(seq $runs); do
	xargs -d '\n' "$list.bin" check -f gcc --norc <"$list" >/dev/null 2>&1 || true
done
quirk_ns=$(( ($(now) - start) / runs ))

start=$(now)
xargs -d '\n' shellcheck -f gcc <"$list" >/dev/null 2>&1 || true
sc_ns=$(( $(now) - start ))

awk -v q="$quirk_ns" -v s="$sc_ns" -v runs="$runs" -v v="$(shellcheck --version | sed -n 's/^version: //p')" 'BEGIN {
	printf "quirk check:  %8.1f ms per run (mean of %d)\n", q / 1e6, runs
	printf "shellcheck:   %8.1f ms (%s)\n", s / 1e6, v
	printf "ratio:        quirk is %.1fx faster than ShellCheck\n", s / q
}'

echo
echo "check vs bare mvdan.cc/sh parse of the same files (in-process, no I/O):"
QUIRK_BENCH_CORPUS=$list go test -run '^$' -bench 'Corpus' -benchtime 20x ./shellcheck/ |
	awk '/^BenchmarkCorpus/ { ns[$1] = $3; print }
	END { for (k in ns) { if (k ~ /Parse/) p = ns[k]; if (k ~ /Check/) c = ns[k] }
	      if (p > 0) printf "check/parse ratio: %.2f (target <= 2)\n", c / p }'
