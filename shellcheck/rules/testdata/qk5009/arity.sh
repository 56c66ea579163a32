#!/bin/sh
# A function every call passes one argument joins nothing (libsensors5 preinst).
pathfind() {
	OLDIFS="$IFS"
	IFS=:
	for p in $PATH; do
		if [ -x "$p/$*" ]; then
			IFS="$OLDIFS"
			return 0
		fi
	done
	IFS="$OLDIFS"
	return 1
}
pathfind sensors
pathfind 'sensors-detect'
joinpath() {
	IFS=/
	cd "$*"                      # want `joins the arguments with "/"`
}
joinpath a b
