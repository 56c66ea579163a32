//go:build !linux

package corehook

import "errors"

func statFS(string) (fsSpace, error) { return fsSpace{}, errors.ErrUnsupported }
