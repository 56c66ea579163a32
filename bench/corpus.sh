#!/usr/bin/env bash
# Lists the shell scripts installed on this machine: files in /usr/bin,
# /usr/sbin, /etc/init.d and dpkg's maintainer scripts whose first line is a
# shell shebang. Used by bench/check.sh and the precision review.
for dir in /usr/bin /usr/sbin /etc/init.d /var/lib/dpkg/info; do
	find "$dir" -maxdepth 1 -type f 2>/dev/null
done | while IFS= read -r f; do
	IFS= read -r first <"$f" 2>/dev/null || continue
	[[ $first =~ ^\#![[:space:]]*/(usr/)?bin/(env[[:space:]]+)?(ba|da|k|mk|z)?sh([[:space:]]|$) ]] && printf '%s\n' "$f"
done | sort
