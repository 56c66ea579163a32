//go:build unix

package coresock_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/quirkcheck/quirk/corehook/coresock"
	"github.com/quirkcheck/quirk/corehook/internal/fakekernel"
)

// serveOne is the smallest server: request, ack with mask, mark, core.
func serveOne(c net.Conn, mask uint64, delay time.Duration) ([]byte, error) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	req, err := coresock.ReadRequest(c)
	if err != nil {
		return nil, err
	}
	time.Sleep(delay)
	if _, err := coresock.SendAck(c, req, mask); err != nil {
		return nil, err
	}
	if err := coresock.ReadMark(c); err != nil {
		return nil, err
	}
	return io.ReadAll(c)
}

type outcome struct {
	core []byte
	err  error
	k    fakekernel.Result
}

func play(t *testing.T, k fakekernel.Kernel, server func(net.Conn) ([]byte, error)) outcome {
	t.Helper()
	s, kc, err := fakekernel.Pair()
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan fakekernel.Result, 1)
	go func() { ch <- k.Run(kc) }()
	var o outcome
	o.core, o.err = server(s)
	select {
	case o.k = <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("the fake kernel is still blocked after the server closed")
	}
	return o
}

func TestHandshakeKernelWait(t *testing.T) {
	core := bytes.Repeat([]byte("ELF!"), 100000)
	o := play(t, fakekernel.Default(core), func(c net.Conn) ([]byte, error) {
		return serveOne(c, coresock.FlagKernel|coresock.FlagWait, 0)
	})
	if o.err != nil || !bytes.Equal(o.core, core) {
		t.Fatalf("err %v, got %d bytes of %d", o.err, len(o.core), len(core))
	}
	if o.k.Mark != 0 || !o.k.Dumped || !o.k.Held || o.k.Err != nil {
		t.Errorf("kernel saw %+v", o.k)
	}
}

// A newer kernel sends a 32-byte request (memory types) and accepts acks of
// up to 24 bytes: the extra request bytes are discarded and a version-0
// ack is still valid.
func TestHandshakeBiggerRequest(t *testing.T) {
	core := []byte("\x7fELF core")
	k := fakekernel.Default(core)
	k.ReqSize, k.SizeAck, k.AckMax, k.Mask = 32, 24, 24, 0xf|1<<4|1<<5|1<<6
	var req coresock.Request
	o := play(t, k, func(c net.Conn) ([]byte, error) {
		defer c.Close()
		var err error
		if req, err = coresock.ReadRequest(c); err != nil {
			return nil, err
		}
		if _, err := coresock.SendAck(c, req, coresock.FlagKernel|coresock.FlagWait); err != nil {
			return nil, err
		}
		if err := coresock.ReadMark(c); err != nil {
			return nil, err
		}
		return io.ReadAll(c)
	})
	if o.err != nil || !bytes.Equal(o.core, core) {
		t.Fatalf("err %v, core %q", o.err, o.core)
	}
	if req.Size != 32 || req.Extra != 16 || req.SizeAck != 24 || req.Mask != 0x7f {
		t.Errorf("request %+v", req)
	}
	if len(o.k.Ack) != 16 || o.k.Mark != 0 {
		t.Errorf("kernel got ack % x, sent mark %d", o.k.Ack, o.k.Mark)
	}
}

func TestHandshakeShortRequestRefused(t *testing.T) {
	k := fakekernel.Default(nil)
	k.ReqSize = 8
	o := play(t, k, func(c net.Conn) ([]byte, error) { return serveOne(c, coresock.FlagKernel, 0) })
	if !errors.Is(o.err, coresock.ErrShortRequest) {
		t.Fatalf("err = %v, want ErrShortRequest", o.err)
	}
	if o.k.Marked || o.k.Dumped {
		t.Errorf("kernel saw %+v", o.k)
	}
}

func TestHandshakeHugeRequestRefused(t *testing.T) {
	k := fakekernel.Default(nil)
	k.ReqSize = 1 << 20
	o := play(t, k, func(c net.Conn) ([]byte, error) { return serveOne(c, coresock.FlagKernel, 0) })
	if !errors.Is(o.err, coresock.ErrHugeRequest) {
		t.Fatalf("err = %v, want ErrHugeRequest", o.err)
	}
}

// REJECT with WAIT: the kernel answers REQACK and closes at once; the
// crasher is not held and nothing is dumped.
func TestHandshakeReject(t *testing.T) {
	o := play(t, fakekernel.Default([]byte("never sent")), func(c net.Conn) ([]byte, error) {
		return serveOne(c, coresock.FlagReject|coresock.FlagWait, 0)
	})
	if o.err != nil || len(o.core) != 0 {
		t.Fatalf("err %v, core %q", o.err, o.core)
	}
	if o.k.Dumped || o.k.Held || o.k.Mark != 0 {
		t.Errorf("kernel saw %+v", o.k)
	}
}

// The kernel waits for the ack without a timeout: a slow server still gets
// its dump.
func TestHandshakeSlowServer(t *testing.T) {
	core := []byte("\x7fELF slow")
	o := play(t, fakekernel.Default(core), func(c net.Conn) ([]byte, error) {
		return serveOne(c, coresock.FlagKernel|coresock.FlagWait, 300*time.Millisecond)
	})
	if o.err != nil || !bytes.Equal(o.core, core) || !o.k.Dumped {
		t.Fatalf("err %v, core %q, kernel %+v", o.err, o.core, o.k)
	}
}

// A kernel connection that never sends its request must not hold a server
// worker forever: the read deadline ends it.
func TestHandshakeSilentPeerHitsDeadline(t *testing.T) {
	s, kc, err := fakekernel.Pair()
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	defer s.Close()
	s.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_, err = coresock.ReadRequest(s)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
}

func TestHandshakeDeadClient(t *testing.T) {
	t.Run("before the ack", func(t *testing.T) {
		k := fakekernel.Default(nil)
		k.HangUpBeforeAck = true
		o := play(t, k, func(c net.Conn) ([]byte, error) { return serveOne(c, coresock.FlagKernel, 0) })
		if o.err == nil {
			t.Fatal("no error although the kernel hung up before the mark")
		}
	})
	t.Run("mid-dump", func(t *testing.T) {
		core := bytes.Repeat([]byte{1}, 1<<20)
		k := fakekernel.Default(core)
		k.DieAfter = 4096
		o := play(t, k, func(c net.Conn) ([]byte, error) { return serveOne(c, coresock.FlagKernel|coresock.FlagWait, 0) })
		if o.err != nil || len(o.core) != 4096 {
			t.Fatalf("err %v, %d bytes", o.err, len(o.core))
		}
	})
}

// Acks the kernel refuses, each with its own mark; ReadMark turns it into
// a MarkError.
func TestHandshakeMarks(t *testing.T) {
	for _, tc := range []struct {
		name string
		ack  coresock.Ack
		want coresock.Mark
	}{
		{"too small", coresock.Ack{Size: 8, Mask: coresock.FlagKernel}, coresock.MarkMinSize},
		{"too big", coresock.Ack{Size: 24, Mask: coresock.FlagKernel}, coresock.MarkMaxSize},
		{"spare", coresock.Ack{Size: 16, Spare: 1, Mask: coresock.FlagKernel}, coresock.MarkUnsupported},
		{"unknown flag", coresock.Ack{Size: 16, Mask: coresock.FlagKernel | 1<<9}, coresock.MarkUnsupported},
		{"conflicting", coresock.Ack{Size: 16, Mask: coresock.FlagKernel | coresock.FlagUserspace}, coresock.MarkConflicting},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := play(t, fakekernel.Default([]byte("x")), func(c net.Conn) ([]byte, error) {
				defer c.Close()
				if _, err := coresock.ReadRequest(c); err != nil {
					return nil, err
				}
				c.Write(tc.ack.Encode())
				return nil, coresock.ReadMark(c)
			})
			var me *coresock.MarkError
			if !errors.As(o.err, &me) || me.Mark != tc.want {
				t.Fatalf("err = %v, want mark %v", o.err, tc.want)
			}
			if o.k.Dumped {
				t.Error("dumped after a refused ack")
			}
		})
	}
}
