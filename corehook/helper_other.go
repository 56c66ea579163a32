//go:build !linux

package corehook

import (
	"errors"
	"fmt"
)

// ErrHandlerArgs is returned by RunHandler for arguments that are not a
// core_pattern's.
var ErrHandlerArgs = errors.New("bad handler arguments")

// RunHandler is the core_pattern helper. It needs Linux: core_pattern,
// /proc dirfds, pidfds.
func RunHandler(_ []string) error {
	return fmt.Errorf("only Linux has core_pattern: %w", errors.ErrUnsupported)
}
