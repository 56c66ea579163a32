//go:build !linux

package corehook

import (
	"errors"
	"os"
)

func openStoredCore(*Meta) (*os.File, error) {
	return nil, errors.ErrUnsupported
}

func freeCore(string) {}
