//go:build linux

package coresock_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/quirkcheck/quirk/corehook/coresock"
)

// An ordinary process that connects to the socket is not a kernel dump:
// its pidfd lacks PIDFD_COREDUMPED. This is the check that stops anyone who
// can reach the socket from filing fake cores.
func TestPeerImpostorRefused(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cl, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	c, err := l.AcceptUnix()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p, err := coresock.PeerOf(c)
	if err != nil {
		t.Skipf("no SO_PEERPIDFD/PIDFD_GET_INFO on this kernel: %v", err)
	}
	defer p.Close()
	if int(p.Info.Pid) != os.Getpid() || p.Info.Ruid != uint32(os.Getuid()) {
		t.Errorf("pidfd info pid %d uid %d, want %d %d", p.Info.Pid, p.Info.Ruid, os.Getpid(), os.Getuid())
	}
	if err := p.KernelDump(); !errors.Is(err, coresock.ErrNotKernelDump) {
		t.Fatalf("KernelDump() = %v for an ordinary client", err)
	}
	if !p.Alive() {
		t.Error("a live peer reported dead")
	}
	if p.DumpMode() != 1 && p.DumpMode() != 0 {
		t.Errorf("dump mode %d", p.DumpMode())
	}
}
