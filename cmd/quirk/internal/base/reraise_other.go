//go:build !unix

package base

import "os"

// reraise cannot kill the process with a signal here; quirk exits with
// ExitFailure instead.
func reraise(os.Signal) {}
