package base

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/quirkcheck/quirk/expand/testenv"
)

// TestMain doubles as the helper of TestRunForegroundGivesCtrlCToChild: a
// quirk-like process on a terminal, with the root context, running an
// interactive child the way "corehook debug" runs gdb.
func TestMain(m *testing.M) {
	if os.Getenv("QUIRK_BASE_FOREGROUND_HELPER") == "1" {
		ctx, finish := SignalContext(context.Background())
		child := exec.Command("sh", "-c", `trap 'echo child-got-int; exit 7' INT; echo ready; while :; do sleep 0.05; done`)
		child.Stdin, child.Stdout, child.Stderr = os.Stdin, os.Stdout, os.Stderr
		err := RunForeground(child, os.Stdin)
		code := -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		// quirk must have the terminal back, or its next read would stop it.
		fg, _ := unix.IoctlGetInt(0, unix.TIOCGPGRP)
		fmt.Printf("child-exit=%d ctx=%v foreground=%v\n", code, ctx.Err(), fg == syscall.Getpgrp())
		os.Exit(finish(0))
	}
	os.Exit(m.Run())
}

func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// Ctrl-C typed while an interactive child runs belongs to the child: the
// child gets SIGINT, quirk's root context stays alive and quirk exits
// normally afterwards, instead of dying of a SIGINT meant for the debugger.
func TestRunForegroundGivesCtrlCToChild(t *testing.T) {
	testenv.NeedTool(t, "sh")
	master, slave := openPTY(t)
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), "QUIRK_BASE_FOREGROUND_HELPER=1")
	helper.Stdin, helper.Stdout, helper.Stderr = slave, slave, slave
	// A session of its own with the pty as controlling terminal, as a
	// login shell would give quirk.
	helper.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer helper.Process.Kill()
	slave.Close()

	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(master)
		for sc.Scan() {
			lines <- strings.TrimSpace(sc.Text())
		}
		close(lines)
	}()
	var seen []string
	wait := func(prefix string) string { // the terminal echoes ^C before the line
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("terminal closed before %q; saw %q", prefix, seen)
				}
				seen = append(seen, l)
				if strings.Contains(l, prefix) {
					return l
				}
			case <-timeout:
				t.Fatalf("no %q on the terminal in 20s; saw %q", prefix, seen)
			}
		}
	}
	wait("ready")
	if _, err := master.Write([]byte{3}); err != nil { // Ctrl-C, as typed
		t.Fatal(err)
	}
	wait("child-got-int")
	if got := wait("child-exit="); !strings.HasSuffix(got, "child-exit=7 ctx=<nil> foreground=true") {
		t.Errorf("after Ctrl-C: %q, want the child to exit 7, quirk's context alive and the terminal back in quirk's hands", got)
	}
	err := helper.Wait()
	if ws := helper.ProcessState.Sys().(syscall.WaitStatus); ws.Signaled() || err != nil {
		t.Errorf("quirk-like helper ended with %v (%v), want a normal exit 0", ws, err)
	}
}
