package coresock

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// The wire layout, byte for byte, as a 6.18 kernel sent and accepted it
// (docs/coredump-socket.md).
func TestLayout(t *testing.T) {
	req := Request{Size: 16, SizeAck: 16, Mask: 0xf}
	want := []byte{16, 0, 0, 0, 16, 0, 0, 0, 0xf, 0, 0, 0, 0, 0, 0, 0}
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the probed bytes are little-endian")
	}
	if got := req.Encode(); !bytes.Equal(got, want) {
		t.Errorf("request = % x, want % x", got, want)
	}
	got, err := ReadRequest(bytes.NewReader(want))
	if err != nil || got != req {
		t.Errorf("ReadRequest = %+v, %v; want %+v", got, err, req)
	}
	ack, err := NewAck(req, FlagKernel|FlagWait)
	if err != nil {
		t.Fatal(err)
	}
	wantAck := []byte{16, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0}
	if got := ack.Encode(); !bytes.Equal(got, wantAck) {
		t.Errorf("KERNEL|WAIT ack = % x, want % x", got, wantAck)
	}
	if d, err := DecodeAck(wantAck); err != nil || d != ack {
		t.Errorf("DecodeAck = %+v, %v", d, err)
	}
	if FlagKernel != 1 || FlagUserspace != 2 || FlagReject != 4 || FlagWait != 8 {
		t.Error("flag values differ from include/uapi/linux/coredump.h")
	}
	if MarkReqAck != 0 || MarkMinSize != 1 || MarkMaxSize != 2 || MarkUnsupported != 3 || MarkConflicting != 4 {
		t.Error("mark values differ from enum coredump_mark")
	}
}

func TestNewAckRules(t *testing.T) {
	offered := Request{Size: 16, SizeAck: 16, Mask: 0xf}
	for _, tc := range []struct {
		name string
		req  Request
		mask uint64
		ok   bool
	}{
		{"kernel", offered, FlagKernel, true},
		{"kernel wait", offered, FlagKernel | FlagWait, true},
		{"reject", offered, FlagReject, true},
		{"userspace", offered, FlagUserspace, true},
		{"none of the three", offered, FlagWait, false},
		{"kernel and userspace (CONFLICTING)", offered, FlagKernel | FlagUserspace, false},
		{"kernel and reject", offered, FlagKernel | FlagReject, false},
		{"not offered (UNSUPPORTED)", Request{Size: 16, SizeAck: 16, Mask: FlagKernel | FlagReject}, FlagKernel | FlagWait, false},
		{"unknown bit", offered, FlagKernel | 1<<4, false},
		{"kernel takes acks below v0", Request{Size: 16, SizeAck: 8, Mask: 0xf}, FlagKernel, false},
	} {
		a, err := NewAck(tc.req, tc.mask)
		if (err == nil) != tc.ok {
			t.Errorf("%s: NewAck(%#x) err = %v, want ok=%v", tc.name, tc.mask, err, tc.ok)
		}
		if err == nil && (a.Size != AckSizeVer0 || a.Spare != 0 || a.Mask != tc.mask) {
			t.Errorf("%s: ack %+v", tc.name, a)
		}
	}
}

func TestDescribe(t *testing.T) {
	if got := Describe(FlagKernel | FlagWait | 1<<5); got != "KERNEL|WAIT|0x20" {
		t.Errorf("Describe = %q", got)
	}
}
