//go:build linux

package corehook

// The kernel-helper entry: what runs first when the kernel starts
// "quirk corehook handle" for a crash (systemd: coredump-kernel-helper.c).
// It makes fds 0-2 safe, parses the positional %-arguments, hands the
// stream to Handle and writes the one log line.

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// numSpecs is len(handlerSpecs): the kernel always passes that many
// positional arguments after our own options.
var numSpecs = len(handlerSpecs)

// HandleArgs are the parsed handler arguments.
type HandleArgs struct {
	Config, Store string
	Crash         Crash
	HavePidfd     bool
	RawLimit      string // %c as given
}

// ParseHandleArgs parses "[-c FILE] [-s DIR] %P %p %i %I %u %g %s %t %c %d %C %F %h %e".
// The specifiers are taken from the end, so our own options can never be
// confused with crasher-chosen strings.
func ParseHandleArgs(args []string) (HandleArgs, error) {
	var h HandleArgs
	if len(args) < numSpecs {
		return h, fmt.Errorf("want %d positional arguments, got %d", numSpecs, len(args))
	}
	opts, pos := args[:len(args)-numSpecs], args[len(args)-numSpecs:]
	for len(opts) > 0 {
		if len(opts) < 2 {
			return h, fmt.Errorf("option %q without a value", opts[0])
		}
		switch opts[0] {
		case "-c":
			h.Config = opts[1]
		case "-s":
			h.Store = opts[1]
		default:
			return h, fmt.Errorf("unknown option %q", opts[0])
		}
		opts = opts[2:]
	}
	num := func(s string) int {
		n, _ := strconv.Atoi(s)
		return n
	}
	c := &h.Crash
	c.GlobalPID, c.PID, c.TID, c.GlobalTID = num(pos[0]), num(pos[1]), num(pos[2]), num(pos[3])
	uid, _ := strconv.ParseUint(pos[4], 10, 32)
	gid, _ := strconv.ParseUint(pos[5], 10, 32)
	c.UID, c.GID = uint32(uid), uint32(gid)
	c.Signal = num(pos[6])
	c.Time, _ = strconv.ParseInt(pos[7], 10, 64)
	h.RawLimit = pos[8]
	c.CoreLimit, _ = strconv.ParseUint(pos[8], 10, 64)
	c.DumpMode = num(pos[9])
	c.CPU = num(pos[10])
	if fd, err := strconv.Atoi(pos[11]); err == nil && fd >= 0 {
		c.PidfdNumber, h.HavePidfd = fd, true
	}
	c.Hostname, c.Comm = pos[12], pos[13]
	if c.GlobalPID <= 0 {
		return h, fmt.Errorf("bad %%P %q", pos[0])
	}
	return h, nil
}

// bindStdFds points closed fds 0-2 at /dev/null: the kernel starts the
// helper without stdout and stderr, and the first file opened would
// otherwise become fd 1 and receive stray writes.
func bindStdFds() {
	for fd := 0; fd <= 2; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
			continue
		}
		null, err := unix.Open("/dev/null", unix.O_RDWR, 0)
		if err != nil {
			return
		}
		if null != fd {
			unix.Dup3(null, fd, 0)
			unix.Close(null)
		}
	}
}

// ErrHandlerArgs is returned by RunHandler for arguments that are not a
// core_pattern's: "quirk corehook handle" run by a person, or a pattern
// edited by hand.
var ErrHandlerArgs = errors.New("bad handler arguments")

// RunHandler is "quirk corehook handle": the kernel's core_pattern helper.
// It reads the core from fd 0, always closes it so the crasher can finish,
// and logs one line to the configured log or syslog.
func RunHandler(args []string) error {
	bindStdFds()
	// Non-blocking, the pipe joins Go's poller: a read deadline (the
	// dump's time budget) and closing it then interrupt a read the
	// kernel's stalled write would otherwise block forever.
	unix.SetNonblock(0, true)
	stdin := os.NewFile(0, "core")
	released := false
	release := func() {
		if !released {
			released = true
			stdin.Close()
		}
	}
	// Whatever happens, the crasher must not wait on us.
	defer release()
	ha, err := ParseHandleArgs(args)
	if err != nil {
		LogCrash(Config{Store: DefaultStore}, fmt.Sprintf("quirk corehook: bad handler arguments %q: %v", args, err), nil)
		return fmt.Errorf("%w: %v", ErrHandlerArgs, err)
	}
	// A bigger pipe buffer lets the kernel run ahead of us (1 MiB is the
	// unprivileged maximum; we are root but do not need more).
	unix.FcntlInt(0, unix.F_SETPIPE_SZ, 1<<20)
	env := HandleEnv{ProcRoot: "/proc", Release: release, OneCrash: true}
	if ha.HavePidfd {
		env.Pidfd = os.NewFile(uintptr(ha.Crash.PidfdNumber), "pidfd")
	}
	meta, cfg, err := Handle(env, ha, stdin)
	LogCrash(cfg, summary(meta, err), meta)
	return err
}

// summary is the one log line for a handled crash.
func summary(meta *Meta, err error) string {
	line := "quirk corehook: "
	if meta != nil {
		line += fmt.Sprintf("pid %d (%s) uid %d %s: ", meta.PID, meta.Comm, meta.UID, meta.SignalName)
		switch {
		case meta.CorePath != "":
			line += fmt.Sprintf("core %s, %d bytes", meta.CorePath, meta.Size)
		case meta.Dropped != "":
			line += "core not stored (" + meta.Dropped + ")"
		}
		if meta.Truncated {
			line += ", truncated (" + meta.TruncatedWhy + ")"
		}
	}
	if err != nil {
		line += " error: " + err.Error()
	}
	return line
}
