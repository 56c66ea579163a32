//go:build !linux

package corehook

import (
	"fmt"
	"io"
)

// The handler needs Linux: core_pattern, /proc dirfds, pidfds.
func runHandle(_ []string, stderr io.Writer) int {
	fmt.Fprintln(stderr, "quirk corehook handle: only Linux has core_pattern")
	return exitFailure
}
