//go:build linux

package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"github.com/quirkcheck/quirk/expand/testenv"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quirkcheck/quirk/corehook"
	"github.com/quirkcheck/quirk/corehook/coresock"
	"github.com/quirkcheck/quirk/corehook/internal/kerneltest"
)

const crasherC = `
#include <stdio.h>
#include <unistd.h>
int main(void) {
	volatile int *p = 0;
	*p = 42;
	return 0;
}
`

type e2e struct {
	t                *testing.T
	dir, sock, store string
	conf, crasher    string
	sys              corehook.Sysctl
	mu               sync.Mutex
	logs             []string
	cancel           context.CancelFunc
	done             chan error
}

func newE2E(t *testing.T) *e2e {
	kerneltest.RequireRoot(t, "gcc")
	if runtime.GOOS != "linux" {
		t.Skip("linux only")
	}
	sys := corehook.Sysctl{ProcRoot: "/proc"}
	if request, _ := corehook.SocketSupport(sys); !request {
		testenv.Unmet(t, testenv.Root, "this kernel has no @@ core_pattern (6.17+)")
	}
	kerneltest.Lock(t)
	kerneltest.GuardKnobs(t)
	dir, err := os.MkdirTemp("/tmp", "qs") // short: the pipe pattern has 127 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	e := &e2e{t: t, dir: dir, sock: filepath.Join(dir, "quirk", "corehook.sock"), store: filepath.Join(dir, "store"), sys: sys}
	e.conf = filepath.Join(dir, "c")
	if err := os.WriteFile(e.conf, []byte("Store = "+e.store+"\nMaxUse = infinity\nKeepFree = 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "crasher.c")
	os.WriteFile(src, []byte(crasherC), 0o644)
	e.crasher = filepath.Join(dir, "crasher")
	if out, err := exec.Command("gcc", "-g", "-O0", "-o", e.crasher, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return e
}

func (e *e2e) log(s string) {
	e.mu.Lock()
	e.logs = append(e.logs, s)
	e.mu.Unlock()
}

func (e *e2e) logText() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.logs, "\n")
}

// start runs a server on e.sock until stop.
func (e *e2e) start(opts Options) {
	e.t.Helper()
	opts.Config, opts.Log = e.conf, e.log
	l, err := Listen("/proc", e.sock)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan error, 1)
	srv := New(opts)
	go func() { e.done <- srv.Serve(ctx, l) }()
	e.t.Cleanup(e.stop)
}

func (e *e2e) stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	if err := <-e.done; err != nil {
		e.t.Errorf("Serve: %v", err)
	}
	e.cancel = nil
}

// crash runs the crasher as nobody and returns its pid and whether the
// kernel reports a core dumped.
func (e *e2e) crash() (int, bool) {
	e.t.Helper()
	cmd := exec.Command(e.crasher)
	cmd.Dir = e.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		e.t.Fatalf("crasher: %v", err)
	}
	ws := ee.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGSEGV {
		e.t.Fatalf("crasher ended with %v", ws)
	}
	return cmd.Process.Pid, ws.CoreDump()
}

func (e *e2e) waitMeta(pid int) corehook.Meta {
	e.t.Helper()
	for start := time.Now(); time.Since(start) < 20*time.Second; time.Sleep(50 * time.Millisecond) {
		es, _ := corehook.List(e.store)
		for _, en := range es {
			if en.PID == pid {
				return en.Meta
			}
		}
	}
	e.t.Fatalf("no sidecar for pid %d; server log:\n%s", pid, e.logText())
	return corehook.Meta{}
}

func (e *e2e) setPattern(p string) {
	e.t.Helper()
	if err := e.sys.Write(corehook.KnobCorePattern, p); err != nil {
		e.t.Fatal(err)
	}
}

// TestEndToEndSocket crashes real programs through "@@" and "@" on this
// kernel, and compares what is stored with the pipe handler's record of
// the same crash.
func TestEndToEndSocket(t *testing.T) {
	e := newE2E(t)
	e.start(Options{})
	res, err := corehook.Install(corehook.InstallOptions{ProcRoot: "/proc", Store: e.store, Config: e.conf, Mode: corehook.ModeSocket, Socket: e.sock, Force: true, PipeLimit: 16})
	if err != nil {
		t.Fatal(err)
	}
	if res.Pattern != "@@"+e.sock {
		t.Fatalf("installed %q, want @@%s", res.Pattern, e.sock)
	}

	pid, dumped := e.crash()
	if !dumped {
		t.Fatalf("the kernel reports no core for pid %d; log:\n%s", pid, e.logText())
	}
	sock := e.waitMeta(pid)
	if sock.Signal != 11 || sock.UID != 65534 || sock.Exe != e.crasher || !sock.ProcVerified || !sock.Pidfd || sock.DumpMode != 1 || sock.Truncated || sock.CorePath == "" {
		t.Fatalf("socket meta: %+v", sock)
	}
	if sock.RootOnly {
		t.Errorf("a plain user crash is root-only: %s", sock.RootOnlyWhy)
	}
	// The crashing user may read its own core (an ACL or ownership: the
	// store decides how), which is what "same as pipe mode" needs too.
	rd := exec.Command("head", "-c", "4", sock.CorePath)
	rd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := rd.CombinedOutput(); err != nil {
		t.Errorf("uid 65534 cannot read its core %s: %v %s", sock.CorePath, err, out)
	}

	// The same crash through the pipe handler.
	quirk := filepath.Join(e.dir, "q")
	if out, err := exec.Command("go", "build", "-o", quirk, "github.com/quirkcheck/quirk/cmd/quirk").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if _, err := corehook.Install(corehook.InstallOptions{ProcRoot: "/proc", Store: e.store, Config: e.conf, Binary: quirk, Mode: corehook.ModePipe, StoreFromConfig: true}); err != nil {
		t.Fatal(err)
	}
	if cur, _ := e.sys.ReadString(corehook.KnobCorePattern); !strings.HasPrefix(cur, "|"+quirk) {
		t.Fatalf("core_pattern %q after switching to pipe", cur)
	}
	ppid, _ := e.crash()
	pipe := e.waitMeta(ppid)
	same := func(m corehook.Meta) corehook.Meta {
		return corehook.Meta{
			UID: m.UID, GID: m.GID, Signal: m.Signal, SignalName: m.SignalName, Comm: m.Comm, Exe: m.Exe,
			Cmdline: m.Cmdline, Cwd: m.Cwd, Cgroup: m.Cgroup, Hostname: m.Hostname, BootID: m.BootID,
			DumpMode: m.DumpMode, CoreLimit: m.CoreLimit, FaultAddr: m.FaultAddr, Threads: m.Threads,
			Compression: m.Compression, Truncated: m.Truncated, BuildIDs: m.BuildIDs, Mapped: m.Mapped,
			ProcVerified: m.ProcVerified, Pidfd: m.Pidfd, RootOnly: m.RootOnly, RootOnlyWhy: m.RootOnlyWhy,
		}
	}
	if d := cmp.Diff(same(pipe), same(sock)); d != "" {
		t.Errorf("socket mode stores other metadata than pipe mode (-pipe +socket):\n%s", d)
	}
	if sock.NSPID != sock.PID || pipe.NSPID != pipe.PID {
		t.Errorf("ns pids: socket %d/%d, pipe %d/%d", sock.PID, sock.NSPID, pipe.PID, pipe.NSPID)
	}

	// Plain "@": no handshake, the crasher held through core_pipe_limit.
	e.stop()
	e.start(Options{Plain: true})
	e.setPattern("@" + e.sock)
	if err := e.sys.Write(corehook.KnobCorePipeLimit, "1"); err != nil {
		t.Fatal(err)
	}
	apid, adumped := e.crash()
	if !adumped {
		t.Fatalf("no core through @; log:\n%s", e.logText())
	}
	plain := e.waitMeta(apid)
	if d := cmp.Diff(same(sock), same(plain)); d != "" {
		t.Errorf("@ stores other metadata than @@ (-@@ +@):\n%s", d)
	}

	// An ordinary process connecting is refused and logged.
	e.stop()
	e.start(Options{})
	e.setPattern("@@" + e.sock)
	c, err := net.Dial("unix", e.sock)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var b [1]byte
	c.Read(b[:])
	c.Close()
	if !strings.Contains(e.logText(), "refused a connection: not a kernel coredump connection") {
		t.Errorf("impostor not refused; log:\n%s", e.logText())
	}

	// A storm of 24 simultaneous crashes: 4 stream at once, the others wait
	// for a slot (the kernel holds them), and every one is stored whole.
	type crashed struct {
		pid    int
		dumped bool
	}
	results := make(chan crashed, 24)
	var wg sync.WaitGroup
	for range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pid, dumped := e.crash()
			results <- crashed{pid, dumped}
		}()
	}
	wg.Wait()
	close(results)
	for r := range results {
		if !r.dumped {
			t.Errorf("storm: pid %d not dumped", r.pid)
			continue
		}
		if m := e.waitMeta(r.pid); m.Truncated || m.CorePath == "" || m.Signal != 11 {
			t.Errorf("storm: pid %d stored as %+v", r.pid, m)
		}
	}

	// The server dies: status says so, and uninstall still restores.
	if _, err := corehook.Install(corehook.InstallOptions{ProcRoot: "/proc", Store: e.store, Config: e.conf, Mode: corehook.ModeSocket, Socket: e.sock}); err != nil {
		t.Fatal(err)
	}
	e.stop()
	st, err := corehook.GetStatus("/proc", e.store)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Installed || !st.ServerDead || st.Socket != e.sock {
		t.Fatalf("status with the server gone: installed %v dead %v socket %q", st.Installed, st.ServerDead, st.Socket)
	}
	if _, err := corehook.Uninstall("/proc", e.store, true); err != nil {
		t.Fatal(err)
	}
	if cur, _ := e.sys.ReadString(corehook.KnobCorePattern); corehook.IsOurPattern(cur) {
		t.Fatalf("core_pattern still ours after uninstall: %q", cur)
	}
}

// TestEndToEndKernelMarks answers real crashes with each kind of ack and
// checks the mark the kernel sends back and what happens to the crasher.
func TestEndToEndKernelMarks(t *testing.T) {
	e := newE2E(t)
	if err := realDirs(filepath.Dir(e.sock)); err != nil {
		t.Fatal(err)
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: e.sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	e.setPattern("@@" + e.sock)
	for _, tc := range []struct {
		name   string
		ack    []byte
		mark   coresock.Mark
		dumped bool
	}{
		{"KERNEL|WAIT", coresock.Ack{Size: 16, Mask: coresock.FlagKernel | coresock.FlagWait}.Encode(), coresock.MarkReqAck, true},
		{"REJECT|WAIT", coresock.Ack{Size: 16, Mask: coresock.FlagReject | coresock.FlagWait}.Encode(), coresock.MarkReqAck, false},
		{"USERSPACE", coresock.Ack{Size: 16, Mask: coresock.FlagUserspace}.Encode(), coresock.MarkReqAck, true},
		{"size 8", coresock.Ack{Size: 8, Mask: coresock.FlagKernel}.Encode(), coresock.MarkMinSize, false},
		{"size 24", coresock.Ack{Size: 24, Mask: coresock.FlagKernel}.Encode(), coresock.MarkMaxSize, false},
		{"spare", coresock.Ack{Size: 16, Spare: 1, Mask: coresock.FlagKernel}.Encode(), coresock.MarkUnsupported, false},
		{"KERNEL|USERSPACE", coresock.Ack{Size: 16, Mask: coresock.FlagKernel | coresock.FlagUserspace}.Encode(), coresock.MarkConflicting, false},
	} {
		type seen struct {
			req  coresock.Request
			mark coresock.Mark
			elf  bool
			err  error
		}
		ch := make(chan seen, 1)
		go func() {
			var s seen
			defer func() { ch <- s }()
			c, err := l.AcceptUnix()
			if err != nil {
				s.err = err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			if s.req, s.err = coresock.ReadRequest(c); s.err != nil {
				return
			}
			c.Write(tc.ack)
			var m [4]byte
			if _, s.err = c.Read(m[:]); s.err != nil {
				return
			}
			s.mark = coresock.Mark(binary.NativeEndian.Uint32(m[:]))
			var magic [4]byte
			n, _ := c.Read(magic[:])
			s.elf = n == 4 && bytes.Equal(magic[:], []byte("\x7fELF"))
		}()
		_, dumped := e.crash()
		s := <-ch
		if s.err != nil {
			t.Errorf("%s: %v", tc.name, s.err)
			continue
		}
		if s.req.Size != 16 || s.req.SizeAck != 16 || s.req.Mask != 0xf {
			t.Errorf("%s: request %+v, want 16/16/0xf (6.17/6.18)", tc.name, s.req)
		}
		if s.mark != tc.mark || dumped != tc.dumped {
			t.Errorf("%s: mark %v, core dumped %v; want %v, %v", tc.name, s.mark, dumped, tc.mark, tc.dumped)
		}
		if want := tc.name == "KERNEL|WAIT"; s.elf != want {
			t.Errorf("%s: ELF data after the mark: %v", tc.name, s.elf)
		}
	}
}

// TestEndToEndServeCommand runs "quirk corehook serve --register" as the
// admin would: it registers @@, stores a real crash, says so in status, and
// puts core_pattern back on SIGTERM.
func TestEndToEndServeCommand(t *testing.T) {
	e := newE2E(t)
	before, _ := e.sys.Read(corehook.KnobCorePattern)
	quirk := filepath.Join(e.dir, "q")
	if out, err := exec.Command("go", "build", "-o", quirk, "github.com/quirkcheck/quirk/cmd/quirk").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var log bytes.Buffer
	srv := exec.Command(quirk, "corehook", "serve", "--register", "--force", "--socket", e.sock, "--config", e.conf)
	srv.Stdout, srv.Stderr = &log, &log
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if cur, _ := e.sys.ReadString(corehook.KnobCorePattern); cur == "@@"+e.sock {
			break
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("serve did not register; log:\n%s", log.String())
		}
	}
	pid, dumped := e.crash()
	if !dumped {
		t.Fatalf("no core; log:\n%s", log.String())
	}
	m := e.waitMeta(pid)
	if m.Signal != 11 || m.Exe != e.crasher {
		t.Errorf("meta %+v", m)
	}
	// info's backtrace: gdb's when it is installed, else the faulting PC
	// and symbol from the core's notes and the executable.
	info := func(path string) string {
		cmd := exec.Command(quirk, "corehook", "info", m.ID, "--config", e.conf)
		cmd.Env = append(os.Environ(), "PATH="+path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("info: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := info(filepath.Join(e.dir, "nothing-here")); !strings.Contains(out, "Backtrace: #0 0x") || !strings.Contains(out, " in main+0x") {
		t.Errorf("info without gdb:\n%s", out)
	}
	if _, err := exec.LookPath("gdb"); err == nil {
		if out := info(os.Getenv("PATH")); !strings.Contains(out, "Backtrace:") || !strings.Contains(out, "main ()") {
			t.Errorf("info with gdb:\n%s", out)
		}
	}
	out, err := exec.Command(quirk, "corehook", "status", "--config", e.conf).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "server: listening on "+e.sock) {
		t.Errorf("status: %v\n%s", err, out)
	}
	srv.Process.Signal(syscall.SIGTERM)
	// quirk cleans up, then dies of the same signal (as cmd/quirk does for
	// every subcommand); systemd counts that as a clean stop.
	if err := srv.Wait(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
			t.Fatalf("serve exited with %v; log:\n%s", err, log.String())
		}
	}
	if after, _ := e.sys.Read(corehook.KnobCorePattern); !bytes.Equal(after, before) {
		t.Errorf("core_pattern %q after serve stopped, want %q", after, before)
	}
	if !strings.Contains(log.String(), "core_pattern restored") || !strings.Contains(log.String(), "SIGSEGV, core ") {
		t.Errorf("log:\n%s", log.String())
	}
}
