// Package fakekernel plays the kernel's side of a core_pattern "@@"
// connection over a socket, with the rules of fs/coredump.c
// (coredump_sock_request) as measured on Linux 6.18: tests of a coredump
// socket server use it to reach every branch a real crash cannot.
package fakekernel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net"
	"time"
)

// Flags, as in include/uapi/linux/coredump.h; duplicated here so the fake
// kernel does not trust the code it tests.
const (
	kernelFlag    = 1 << 0
	userspaceFlag = 1 << 1
	rejectFlag    = 1 << 2
	waitFlag      = 1 << 3
)

// Kernel describes the kernel being played.
type Kernel struct {
	// Request is sent first: ReqSize bytes (at least 16), the size fields
	// and the offered mask, zeros after them.
	ReqSize, SizeAck uint32
	Mask             uint64
	// AckMax is sizeof(struct coredump_ack) of this kernel: an ack larger
	// than it gets MAXSIZE.
	AckMax uint32
	// Core is written after a KERNEL ack.
	Core []byte
	// Plain skips the handshake, as a "@" pattern does.
	Plain bool
	// DieAfter closes the connection after writing this many bytes of the
	// core (a crasher killed mid-dump); 0 writes it all.
	DieAfter int
	// Stall, with DieAfter, stops writing after DieAfter bytes but keeps
	// the connection open (a crasher frozen mid-dump) until the server
	// closes it.
	Stall bool
	// HangUpBeforeAck closes right after sending the request.
	HangUpBeforeAck bool
	// Silent connects and sends nothing, until the server closes.
	Silent bool
}

// Default is a 6.17/6.18 kernel.
func Default(core []byte) Kernel {
	return Kernel{ReqSize: 16, SizeAck: 16, Mask: 0xf, AckMax: 16, Core: core}
}

// Result is what the kernel saw.
type Result struct {
	Ack      []byte // the ack as received
	Mark     uint32 // the mark sent back
	Marked   bool   // a mark was sent
	Dumped   bool   // the core was written
	Written  int    // bytes of the core written
	Held     bool   // WAIT: the crasher was held until the server closed
	Released time.Time
	Err      error
}

// Run plays one crash on c and closes it.
func (k Kernel) Run(c net.Conn) (res Result) {
	defer c.Close()
	defer func() { res.Released = time.Now() }()
	mask := uint64(kernelFlag)
	if k.Silent {
		var b [1]byte
		c.Read(b[:])
		return res
	}
	if !k.Plain {
		req := make([]byte, max(k.ReqSize, 16))
		binary.NativeEndian.PutUint32(req[0:], k.ReqSize)
		binary.NativeEndian.PutUint32(req[4:], k.SizeAck)
		binary.NativeEndian.PutUint64(req[8:], k.Mask)
		if _, err := c.Write(req); err != nil {
			res.Err = fmt.Errorf("send request: %w", err)
			return res
		}
		if k.HangUpBeforeAck {
			return res
		}
		// The kernel peeks at the size with no timeout: the crasher waits.
		var head [4]byte
		if _, err := io.ReadFull(c, head[:]); err != nil {
			res.Err = fmt.Errorf("read ack size: %w", err)
			return res
		}
		size := binary.NativeEndian.Uint32(head[:])
		mark := func(m uint32) Result {
			var b [4]byte
			binary.NativeEndian.PutUint32(b[:], m)
			c.Write(b[:])
			res.Mark, res.Marked = m, true
			return res
		}
		switch {
		case size < 16:
			res.Ack = head[:]
			return mark(1)
		case size > k.AckMax:
			res.Ack = head[:]
			return mark(2)
		}
		ack := make([]byte, size)
		copy(ack, head[:])
		if _, err := io.ReadFull(c, ack[4:]); err != nil {
			res.Err = fmt.Errorf("read ack: %w", err)
			return res
		}
		res.Ack = ack
		spare := binary.NativeEndian.Uint32(ack[4:])
		mask = binary.NativeEndian.Uint64(ack[8:])
		switch {
		case mask&^k.Mask != 0:
			return mark(3)
		case bits.OnesCount64(mask&(kernelFlag|userspaceFlag|rejectFlag)) != 1:
			return mark(4)
		case spare != 0:
			return mark(3)
		}
		mark(0)
		if mask&rejectFlag != 0 {
			return res // closes at once; WAIT is not honoured
		}
	}
	if mask&kernelFlag != 0 {
		data := k.Core
		if k.DieAfter > 0 && k.DieAfter < len(data) {
			data = data[:k.DieAfter]
		}
		n, err := c.Write(data)
		res.Written = n
		if err != nil {
			res.Err = fmt.Errorf("write core: %w", err)
			return res
		}
		if k.DieAfter > 0 {
			if k.Stall {
				var b [1]byte
				c.Read(b[:])
			}
			return res
		}
		res.Dumped = true
		if uc, ok := c.(interface{ CloseWrite() error }); ok {
			uc.CloseWrite()
		}
	}
	if mask&waitFlag != 0 {
		// __kernel_read of one byte: blocks until the server closes.
		var b [1]byte
		_, err := c.Read(b[:])
		res.Held = errors.Is(err, io.EOF) || err != nil
	}
	return res
}
