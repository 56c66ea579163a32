// Package coresock speaks the kernel's side of the core_pattern socket
// protocol: the request/ack handshake of "@@" patterns (Linux 6.17+), and
// telling a kernel coredump connection from an ordinary process that
// connected to the same socket.
//
// The layout follows include/uapi/linux/coredump.h. x/sys/unix has no
// coredump_req or coredump_ack, so they are defined here; every field is
// native-endian, and the size fields grow in later kernels: a bigger request
// is read whole and the fields this package does not know are discarded.
package coresock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// Flags of coredump_req.mask and coredump_ack.mask.
const (
	// FlagKernel asks the kernel to write the ELF core to the socket.
	FlagKernel uint64 = 1 << 0
	// FlagUserspace says the server takes care of the dump itself: the
	// kernel writes nothing but reports the task as dumped.
	FlagUserspace uint64 = 1 << 1
	// FlagReject drops the dump; the kernel closes at once.
	FlagReject uint64 = 1 << 2
	// FlagWait keeps the crasher (unreaped) until the server closes the
	// connection, so /proc/<pid> stays the crasher's.
	FlagWait uint64 = 1 << 3
)

// exclusive are the flags of which an ack must set exactly one.
const exclusive = FlagKernel | FlagUserspace | FlagReject

// Sizes of the first version of each struct (COREDUMP_{REQ,ACK}_SIZE_VER0).
const (
	RequestSizeVer0 = 16
	AckSizeVer0     = 16
	// MaxRequestSize bounds what we read of a request: the kernel's own
	// selftests refuse a request of a page or more.
	MaxRequestSize = 4096
)

// Mark is the kernel's 4-byte answer to an ack (enum coredump_mark, sent
// as a u32 although the header's comment says "a single byte").
type Mark uint32

// The marks the kernel sends after reading an ack.
const (
	MarkReqAck      Mark = 0 // ack accepted
	MarkMinSize     Mark = 1 // ack.size below the smallest ack
	MarkMaxSize     Mark = 2 // ack.size above what this kernel knows
	MarkUnsupported Mark = 3 // a flag the kernel did not offer, or spare != 0
	MarkConflicting Mark = 4 // not exactly one of KERNEL, USERSPACE, REJECT
)

func (m Mark) String() string {
	switch m {
	case MarkReqAck:
		return "REQACK"
	case MarkMinSize:
		return "MINSIZE"
	case MarkMaxSize:
		return "MAXSIZE"
	case MarkUnsupported:
		return "UNSUPPORTED"
	case MarkConflicting:
		return "CONFLICTING"
	}
	return fmt.Sprintf("mark(%d)", uint32(m))
}

// Request is struct coredump_req as far as version 0 defines it.
type Request struct {
	Size    uint32 // bytes the kernel sent, at least RequestSizeVer0
	SizeAck uint32 // the largest ack the kernel understands
	Mask    uint64 // the flags the kernel supports
	// Extra is how many bytes past version 0 were read and discarded.
	Extra int
}

// Ack is struct coredump_ack (version 0).
type Ack struct {
	Size  uint32
	Spare uint32 // must be 0
	Mask  uint64
}

// Encode returns the request as the kernel sends it, padded with zeros to
// r.Size. It is used by tests that play the kernel.
func (r Request) Encode() []byte {
	n := max(int(r.Size), RequestSizeVer0)
	b := make([]byte, n)
	binary.NativeEndian.PutUint32(b[0:], r.Size)
	binary.NativeEndian.PutUint32(b[4:], r.SizeAck)
	binary.NativeEndian.PutUint64(b[8:], r.Mask)
	return b
}

// Encode returns the ack's wire form, a.Size bytes long (version 0 fields
// first, zeros after them).
func (a Ack) Encode() []byte {
	b := make([]byte, max(int(a.Size), 8))
	binary.NativeEndian.PutUint32(b[0:], a.Size)
	binary.NativeEndian.PutUint32(b[4:], a.Spare)
	if len(b) >= AckSizeVer0 {
		binary.NativeEndian.PutUint64(b[8:], a.Mask)
	}
	return b
}

// DecodeAck parses the version-0 fields of an ack; b must hold at least 16 bytes.
func DecodeAck(b []byte) (Ack, error) {
	if len(b) < AckSizeVer0 {
		return Ack{}, fmt.Errorf("ack of %d bytes, want at least %d", len(b), AckSizeVer0)
	}
	return Ack{
		Size:  binary.NativeEndian.Uint32(b[0:]),
		Spare: binary.NativeEndian.Uint32(b[4:]),
		Mask:  binary.NativeEndian.Uint64(b[8:]),
	}, nil
}

// Errors of the handshake.
var (
	ErrShortRequest = errors.New("coredump request smaller than version 0")
	ErrHugeRequest  = errors.New("coredump request larger than a page")
	ErrBadAck       = errors.New("invalid coredump ack")
)

// ReadRequest reads one coredump_req from r: the size first, then the rest
// of the request, keeping the version-0 fields and discarding any newer
// ones. A request smaller than version 0 or of a page or more is refused
// (the caller closes the connection without acking: the kernel then drops
// the dump, which is all it can do with a request it did not send).
func ReadRequest(r io.Reader) (Request, error) {
	var head [RequestSizeVer0]byte
	if _, err := io.ReadFull(r, head[:4]); err != nil {
		return Request{}, fmt.Errorf("reading request size: %w", err)
	}
	size := binary.NativeEndian.Uint32(head[:4])
	switch {
	case size < RequestSizeVer0:
		return Request{}, fmt.Errorf("%w: %d bytes", ErrShortRequest, size)
	case size >= MaxRequestSize:
		return Request{}, fmt.Errorf("%w: %d bytes", ErrHugeRequest, size)
	}
	if _, err := io.ReadFull(r, head[4:]); err != nil {
		return Request{}, fmt.Errorf("reading request: %w", err)
	}
	extra := int(size) - RequestSizeVer0
	if extra > 0 {
		if _, err := io.CopyN(io.Discard, r, int64(extra)); err != nil {
			return Request{}, fmt.Errorf("reading the newer fields of a %d-byte request: %w", size, err)
		}
	}
	return Request{
		Size:    size,
		SizeAck: binary.NativeEndian.Uint32(head[4:]),
		Mask:    binary.NativeEndian.Uint64(head[8:]),
		Extra:   extra,
	}, nil
}

// NewAck builds the answer to req, or says why the kernel would refuse it:
// the mask must be among the flags the kernel offered and name exactly one
// of KERNEL, USERSPACE and REJECT; its size is version 0's, which every
// kernel that speaks the protocol accepts.
func NewAck(req Request, mask uint64) (Ack, error) {
	if req.SizeAck < AckSizeVer0 {
		return Ack{}, fmt.Errorf("%w: the kernel accepts acks of at most %d bytes, fewer than version 0's %d", ErrBadAck, req.SizeAck, AckSizeVer0)
	}
	if extra := mask &^ req.Mask; extra != 0 {
		return Ack{}, fmt.Errorf("%w: flags %#x were not offered (offered %#x)", ErrBadAck, extra, req.Mask)
	}
	if bits.OnesCount64(mask&exclusive) != 1 {
		return Ack{}, fmt.Errorf("%w: mask %#x must set exactly one of KERNEL, USERSPACE, REJECT", ErrBadAck, mask)
	}
	return Ack{Size: AckSizeVer0, Mask: mask}, nil
}

// SendAck validates and writes the ack for req.
func SendAck(w io.Writer, req Request, mask uint64) (Ack, error) {
	a, err := NewAck(req, mask)
	if err != nil {
		return a, err
	}
	_, err = w.Write(a.Encode())
	return a, err
}

// MarkError is a mark other than REQACK: the kernel refused the ack and
// closed the connection without a dump.
type MarkError struct{ Mark Mark }

func (e *MarkError) Error() string { return "kernel refused the ack: " + e.Mark.String() }

// ReadMark reads the kernel's 4-byte mark and returns an error unless it is
// REQACK.
func ReadMark(r io.Reader) error {
	var b [4]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return fmt.Errorf("reading the kernel's mark: %w", err)
	}
	if m := Mark(binary.NativeEndian.Uint32(b[:])); m != MarkReqAck {
		return &MarkError{Mark: m}
	}
	return nil
}

// Describe names the flags of a mask, for logs.
func Describe(mask uint64) string {
	names := []string{"KERNEL", "USERSPACE", "REJECT", "WAIT"}
	s := ""
	for i, n := range names {
		if mask&(1<<i) != 0 {
			if s != "" {
				s += "|"
			}
			s += n
		}
	}
	if rest := mask &^ 0xf; rest != 0 {
		if s != "" {
			s += "|"
		}
		s += fmt.Sprintf("%#x", rest)
	}
	if s == "" {
		return "0"
	}
	return s
}
