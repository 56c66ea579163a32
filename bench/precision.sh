#!/usr/bin/env bash
# Precision review helper: lists the shell scripts under each DIR the way
# "quirk check DIR" finds them (a script extension, or a shebang naming a
# shell; .git, vendor, node_modules and third_party skipped), runs quirk over
# them, and prints per directory and per rule how many files and findings
# there are. The findings (gcc format) go to $OUT/findings.txt and the files
# quirk could not check, or checked in part, to $OUT/errors.txt, for reading.
#
#   bash bench/precision.sh /tmp/corpus/*/      # OUT defaults to /tmp/precision
set -euo pipefail
out=${OUT:-/tmp/precision}
mkdir -p "$out"
cd "$(dirname "$0")/.."
go build -o "$out/quirk" ./cmd/quirk

list_scripts() {
	find "$1" \( -name .git -o -name .hg -o -name .svn -o -name vendor -o -name node_modules -o -name third_party \) -prune -o -type f -print |
		while IFS= read -r f; do
			case ${f,,} in
			*.sh | *.bash | *.ksh | *.bats | *.dash | *.ash | *.mksh | *.zsh) printf '%s\n' "$f"; continue ;;
			esac
			IFS= read -r first <"$f" 2>/dev/null || true
			if [[ $first =~ ^\#![[:space:]]*[^[:space:]]*/(env[[:space:]]+(-S[[:space:]]+)?)?(ba|da|k|mk|z|a)?sh([[:space:]]|$) ]]; then
				printf '%s\n' "$f"
			fi
		done | sort
}

: >"$out/files.txt"
: >"$out/findings.txt"
: >"$out/errors.txt"
for dir in "$@"; do
	list_scripts "$dir" >"$out/one.txt"
	cat "$out/one.txt" >>"$out/files.txt"
	n=$(wc -l <"$out/one.txt")
	f=0 e=0
	if ((n > 0)); then
		xargs -d '\n' "$out/quirk" check -f gcc --norc <"$out/one.txt" >"$out/one.out" 2>"$out/one.err" || true
		f=$(grep -c ': \(error\|warning\|note\): ' "$out/one.out" || true)
		e=$(wc -l <"$out/one.err")
		cat "$out/one.out" >>"$out/findings.txt"
		cat "$out/one.err" >>"$out/errors.txt"
	fi
	printf '%-45s %6d files %5d findings %4d input errors\n' "${dir%/}" "$n" "$f" "$e"
done
printf '%-45s %6d files %5d findings %4d input errors\n' total "$(wc -l <"$out/files.txt")" \
	"$(grep -c ': \(error\|warning\|note\): ' "$out/findings.txt" || true)" "$(wc -l <"$out/errors.txt")"
echo
echo "findings per rule:"
grep -o '\[QK[0-9]*\]$' "$out/findings.txt" | sort | uniq -c || true
