package corehook

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/corehook"
)

// printBacktrace adds a backtrace summary to info: gdb's "bt" of the
// dumping thread when gdb is installed (bounded in time, since a malformed
// core can make a debugger spin), else the faulting PC and the symbol of
// the executable it falls in, read from the core's notes.
func printBacktrace(inv *base.Invocation, m *corehook.Meta) {
	w := inv.Stdout
	if m.CorePath == "" {
		return
	}
	if gdb, err := exec.LookPath("gdb"); err == nil {
		if bt, err := gdbBacktrace(gdb, m); err == nil && bt != "" {
			fmt.Fprintf(w, "%14s:\n", "Backtrace")
			for _, l := range strings.Split(bt, "\n") {
				fmt.Fprintf(w, "%16s%s\n", "", printable(l))
			}
			return
		}
	}
	pc, err := corehook.FaultPC(m)
	if err != nil {
		fmt.Fprintf(w, "%14s: %v\n", "Backtrace", err)
		return
	}
	fmt.Fprintf(w, "%14s: #0 %s\n", "Backtrace", pc)
}

func gdbBacktrace(gdb string, m *corehook.Meta) (string, error) {
	tmp, err := os.MkdirTemp("", "quirk-bt-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	core := tmp + "/core"
	if err := corehook.Dump(m, core); err != nil {
		return "", err
	}
	args := []string{"-nx", "-batch", "-ex", "set debuginfod enabled off", "-ex", "bt 16"}
	if m.ProcVerified && m.Exe != "" {
		args = append(args, m.Exe, core)
	} else {
		args = append(args, "-c", core)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, gdb, args...)
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return "", err
	}
	var frames []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "#") {
			frames = append(frames, l)
		}
	}
	return strings.Join(frames, "\n"), nil
}
