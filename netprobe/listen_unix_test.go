//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package netprobe

import (
	"context"
	"net"
	"net/netip"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func sockoptOf(t *testing.T, c syscall.Conn, opt int) int {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var soErr error
	if err := rc.Control(func(fd uintptr) { v, soErr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, opt) }); err != nil {
		t.Fatal(err)
	}
	if soErr != nil {
		t.Fatal(soErr)
	}
	return v
}

// TestListenCannotBeJoined is the point of Listen: a second socket that sets
// SO_REUSEPORT (the only way to share a live listener on Unix) must not be
// able to bind next to it, while it can next to a listener that set the
// option as go-reuseport does.
func TestListenCannotBeJoined(t *testing.T) {
	ln, err := Listen(context.Background(), "tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if v := sockoptOf(t, ln.(*Listener), unix.SO_REUSEPORT); v != 0 {
		t.Errorf("SO_REUSEPORT = %d on the exclusive listener", v)
	}
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	intruder, err := openSocket("tcp", netip.MustParseAddr("127.0.0.1"), sockOpts{ReuseAddr: true, ReusePort: true, V6Only: -1}, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer intruder.close()
	if err := intruder.bind(port); err == nil {
		t.Fatal("a SO_REUSEADDR+SO_REUSEPORT socket could bind next to netprobe.Listen's listener")
	}

	// Control: the same intruder joins a listener that opted in.
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var soErr error
		if err := c.Control(func(fd uintptr) { soErr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1) }); err != nil {
			return err
		}
		return soErr
	}}
	shared, err := lc.Listen(context.Background(), "tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()
	joiner, err := openSocket("tcp", netip.MustParseAddr("127.0.0.1"), sockOpts{ReuseAddr: true, ReusePort: true, V6Only: -1}, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer joiner.close()
	if err := joiner.bind(uint16(shared.Addr().(*net.TCPAddr).Port)); err != nil {
		t.Fatalf("control case: could not join a SO_REUSEPORT listener: %v", err)
	}
}

// TestListenPacketCannotBeCoBound: on Linux two UDP sockets with
// SO_REUSEADDR share a port and the newest gets the traffic; ListenPacket
// keeps the option off, so the newcomer's bind fails.
func TestListenPacketCannotBeCoBound(t *testing.T) {
	pc, err := ListenPacket(context.Background(), "udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	conn := pc.(*net.UDPConn)
	if v := sockoptOf(t, conn, unix.SO_REUSEADDR); v != 0 {
		t.Errorf("SO_REUSEADDR = %d", v)
	}
	if v := sockoptOf(t, conn, unix.SO_REUSEPORT); v != 0 {
		t.Errorf("SO_REUSEPORT = %d", v)
	}
	for _, o := range []sockOpts{{ReuseAddr: true, V6Only: -1}, {ReusePort: true, V6Only: -1}, {ReuseAddr: true, ReusePort: true, V6Only: -1}} {
		s, err := openSocket("udp", netip.MustParseAddr("127.0.0.1"), o, -1)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.bind(uint16(conn.LocalAddr().(*net.UDPAddr).Port)); err == nil {
			t.Errorf("a UDP socket with %v co-bound ListenPacket's socket", o)
		}
		s.close()
	}
}
