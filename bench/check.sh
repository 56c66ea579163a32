#!/usr/bin/env bash
# Times "quirk check" against ShellCheck over a list of shell scripts, in
# rounds that run both tools back to back, and prints each round's ratio and
# the median; then compares quirk's check with mvdan.cc/sh's bare parse of
# the same files, and -j 1 with -j 2 (go test -bench, in-process).
#
#   bash bench/check.sh                 # the scripts installed on this machine
#   bash bench/check.sh LIST            # one path a line (bench/precision.sh
#                                       # writes such a list: files.txt)
#   ROUNDS=5 bash bench/check.sh
#
# Each ratio is given in wall time and in CPU time (user+sys of the tool and
# its children): on a machine shared with other work the wall times carry
# the waits for a core, the CPU times do not.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
list=$tmp/list
if (($# > 0)); then
	cp "$1" "$list"
else
	bash bench/corpus.sh >"$list"
fi
files=$(wc -l <"$list")
bytes=$(xargs -d '\n' cat <"$list" | wc -c)
echo "corpus: $files scripts, $((bytes / 1024)) KiB; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

go build -o "$tmp/quirk" ./cmd/quirk
# Warm the page cache so neither tool pays for the first read.
xargs -d '\n' cat <"$list" >/dev/null

# timed CMD… prints "wall user+sys" in seconds for CMD and its children.
timed() {
	local TIMEFORMAT='%R %U %S'
	{ time "$@" >/dev/null 2>&1; } 2>&1 | awk '{ printf "%s %.3f\n", $1, $2 + $3 }'
}
quirk_run() { xargs -d '\n' "$tmp/quirk" check -f gcc --norc <"$list" || true; }
sc_run() { xargs -d '\n' shellcheck -f gcc <"$list" || true; }

echo "round  quirk wall/cpu (mean of 5)   shellcheck wall/cpu   ratio wall  ratio cpu"
: >"$tmp/ratios"
for round in $(seq "$rounds"); do
	qw=0 qc=0
	for _ in 1 2 3 4 5; do
		read -r w c < <(timed quirk_run)
		qw=$(awk -v a="$qw" -v b="$w" 'BEGIN { print a + b / 5 }')
		qc=$(awk -v a="$qc" -v b="$c" 'BEGIN { print a + b / 5 }')
	done
	read -r sw sc < <(timed sc_run)
	awk -v r="$round" -v qw="$qw" -v qc="$qc" -v sw="$sw" -v sc="$sc" 'BEGIN {
		printf "%5d  %8.1f ms / %8.1f ms   %8.0f ms / %8.0f ms   %8.1fx  %8.1fx\n",
			r, qw * 1000, qc * 1000, sw * 1000, sc * 1000, sw / qw, sc / qc
	}' | tee -a "$tmp/ratios"
done
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
wall=$(awk '{ sub(/x$/, "", $(NF - 1)); print $(NF - 1) }' "$tmp/ratios" | median)
cpu=$(awk '{ sub(/x$/, "", $NF); print $NF }' "$tmp/ratios" | median)
echo "median of $rounds rounds: quirk is ${wall}x faster than ShellCheck $(shellcheck --version | sed -n 's/^version: //p') in wall time, ${cpu}x in CPU time"

echo
echo "check vs bare mvdan.cc/sh parse, file by file in one run (in-process, no I/O),"
echo "and -j 1 vs -j 2 over the same files:"
QUIRK_BENCH_CORPUS=$list go test -run '^$' -bench 'CorpusRatio|CorpusJobs' -benchtime 5x ./shellcheck/ | grep '^Benchmark'
