//go:build unix

package base

import (
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// RunForeground runs cmd, an interactive child such as a debugger, and
// waits for it. When tty (quirk's standard input) is its controlling
// terminal, the child runs as the terminal's foreground process group, as a
// shell's job control would run it: Ctrl-C then reaches the child alone
// (gdb takes it to stop the program it debugs) instead of also cancelling
// quirk's root context, and quirk takes the terminal back afterwards.
// Without a terminal it is cmd.Run.
func RunForeground(cmd *exec.Cmd, tty *os.File) error {
	fd := -1
	if tty != nil {
		fd = int(tty.Fd())
	}
	pgrp, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if fd < 0 || err != nil || pgrp != syscall.Getpgrp() {
		// No terminal, or quirk is not in its foreground: nothing to hand over.
		return cmd.Run()
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Foreground = true
	cmd.SysProcAttr.Ctty = fd
	err = cmd.Run()
	// quirk is a background process group now: taking the terminal back
	// would stop it with SIGTTOU unless that is ignored for the moment.
	signal.Ignore(syscall.SIGTTOU)
	unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, pgrp)
	signal.Reset(syscall.SIGTTOU)
	return err
}
