//go:build linux

package netprobe

import (
	"encoding/binary"
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// diagAttrTypes dumps the listening TCP sockets on fd and returns the
// attribute types of the record for port.
func diagAttrTypes(t *testing.T, fd int, port uint16) map[uint16]bool {
	t.Helper()
	var types map[uint16]bool
	err := diagDumpRaw(fd, unix.AF_INET, unix.IPPROTO_TCP, 1<<tcpListen, func(b []byte) {
		if len(b) < inetDiagMsgLen || binary.BigEndian.Uint16(b[4:]) != port {
			return
		}
		types = map[uint16]bool{}
		for attrs := b[inetDiagMsgLen:]; len(attrs) >= 4; {
			alen := int(binary.NativeEndian.Uint16(attrs))
			if alen < 4 || alen > len(attrs) {
				break
			}
			types[binary.NativeEndian.Uint16(attrs[2:])] = true
			attrs = attrs[min((alen+3)&^3, len(attrs)):]
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if types == nil {
		t.Fatalf("port %d is not in the dump", port)
	}
	return types
}

// TestWithoutNetAdminDropsPrivilegedAttributes checks, against the kernel,
// that a sock_diag socket opened in withoutNetAdmin is an unprivileged
// reader's (no INET_DIAG_MARK in its records, which root's has), and that
// the thread gets CAP_NET_ADMIN back afterwards.
func TestWithoutNetAdminDropsPrivilegedAttributes(t *testing.T) {
	inNetns(t, func() {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		port := uint16(ln.Addr().(*net.TCPAddr).Port)
		const inetDiagMark = 15 // INET_DIAG_MARK: only for CAP_NET_ADMIN

		privileged, err := diagSocket()
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(privileged)
		var plain int
		withoutNetAdmin(func() {
			if plain, err = diagSocket(); err != nil {
				t.Error(err)
			}
		})
		if err != nil {
			return
		}
		defer unix.Close(plain)
		if !diagAttrTypes(t, privileged, port)[inetDiagMark] {
			t.Fatal("root's sock_diag socket got no INET_DIAG_MARK: this kernel cannot show the difference")
		}
		if diagAttrTypes(t, plain, port)[inetDiagMark] {
			t.Error("the socket opened in withoutNetAdmin still gets INET_DIAG_MARK: it was opened with CAP_NET_ADMIN")
		}
		// The same thread (inNetns locks it) must have the capability
		// back: a fresh socket is privileged again.
		again, err := diagSocket()
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(again)
		if !diagAttrTypes(t, again, port)[inetDiagMark] {
			t.Error("CAP_NET_ADMIN was not restored after withoutNetAdmin")
		}
	})
}
