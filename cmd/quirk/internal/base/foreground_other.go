//go:build !unix

package base

import (
	"os"
	"os/exec"
)

// RunForeground is cmd.Run where there is no job control.
func RunForeground(cmd *exec.Cmd, _ *os.File) error { return cmd.Run() }
