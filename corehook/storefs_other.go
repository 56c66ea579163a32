//go:build !linux

package corehook

import (
	"errors"
	"os"
)

func lockWriter(*os.File) error { return nil }

// writerGone cannot tell without flock: temporary files are kept.
func writerGone(string) (bool, error) { return false, nil }

func reserveSpace(*os.File, int64) error { return errors.ErrUnsupported }
