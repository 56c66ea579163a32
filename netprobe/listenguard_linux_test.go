package netprobe

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
)

// TestListenGuardsLocalhost attacks a 127.0.0.1 listener the way the
// README warns about: another user binds [::1] on the same port, with every
// option set. Listen's reservation must refuse each attempt while the
// listener lives, and free the port when it closes.
func TestListenGuardsLocalhost(t *testing.T) {
	inNetns(t, func() {
		called := false
		lc := net.ListenConfig{KeepAlive: -1, Control: func(_, _ string, _ syscall.RawConn) error { called = true; return nil }}
		ln, err := ListenWith(context.Background(), lc, "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if !called {
			t.Error("the caller's Control did not run")
		}
		port := uint16(ln.Addr().(*net.TCPAddr).Port)
		for _, opts := range []string{"none,listen", "ra,listen", "rp,listen", "ra,rp,listen"} {
			for _, addr := range []string{"::1", "::"} {
				o := opts
				if addr == "::" {
					o += ",v6only"
				}
				if got := tryAs(t, nobodyUID, spec("tcp", addr, port, o)); got != "EADDRINUSE" {
					t.Errorf("uid %d bound [%s]:%d (%s) next to a 127.0.0.1 listener: %s", nobodyUID, addr, port, o, got)
				}
			}
		}
		ln.Close()
		if got := tryAs(t, nobodyUID, spec("tcp", "::1", port, "none,listen")); got != "ok" {
			t.Errorf("after Close the reserved [::1]:%d is still held: %s", port, got)
		}

		// The other half already taken: Listen refuses to serve half of
		// localhost.
		port = freePort(t)
		startHolder(t, nobodyUID, spec("tcp", "::1", port, "ra,listen"))
		if ln, err := Listen(context.Background(), "tcp", netAddr("127.0.0.1", port)); !errors.Is(err, ErrLocalhostSplit) {
			if ln != nil {
				ln.Close()
			}
			t.Errorf("Listen next to another user's [::1]:%d: %v, want ErrLocalhostSplit", port, err)
		}
	})
}

func netAddr(host string, port uint16) string {
	return net.JoinHostPort(host, itoa(int(port)))
}
