package netprobe

import (
	"context"
	"net"
	"testing"
)

func TestListenRejectsOtherNetworks(t *testing.T) {
	if _, err := Listen(context.Background(), "udp", "127.0.0.1:0"); err == nil {
		t.Fatal("Listen accepted network udp")
	}
	if _, err := ListenPacket(context.Background(), "tcp", "127.0.0.1:0"); err == nil {
		t.Fatal("ListenPacket accepted network tcp")
	}
}

// TestListenServes checks that the exclusive listener is an ordinary working
// listener: the options must not break accept.
func TestListenServes(t *testing.T) {
	ln, err := Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			c.Write([]byte("x"))
			c.Close()
		}
	}()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if _, err := c.Read(b[:]); err != nil || b[0] != 'x' {
		t.Fatalf("read %q, %v", b, err)
	}
	c.Close()
}
