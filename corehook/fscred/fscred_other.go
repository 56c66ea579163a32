//go:build !linux

package fscred

import (
	"errors"
	"fmt"
)

var errUnsupported = fmt.Errorf("fscred: %w", errors.ErrUnsupported)

// Switch needs Linux: other systems have no per-thread filesystem
// credentials.
func Switch(uid, gid int, fn func() error) error { return errUnsupported }

// Do needs Linux, as Switch does.
func Do(uid, gid int, fn func() error) error { return errUnsupported }
