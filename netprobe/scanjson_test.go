package netprobe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"testing"
	"time"
)

// TestWriteJSONMatchesEncodingJSON holds the hand-written encoder to the
// struct tags: both must decode to the same value, for a result in which
// every field of every type is set (checked by reflection, so a field added
// later without its JSON fails here).
func TestWriteJSONMatchesEncodingJSON(t *testing.T) {
	yes, no := true, false
	socks := []Socket{
		{Proto: "tcp", Addr: "::", Port: 80, V6Only: &yes, Interface: 3, Device: "eth0", DeviceUnknown: true, Peer: "[::1]:9", Netns: "blue", UID: 0, Inode: 12, Cookie: 1 << 40,
			Processes: []Process{{PID: 1, Command: "we\"ird\\ <name>\x01ü", FD: 3}, {PID: 2}}, ReuseAddr: &yes, ReusePort: &no},
		{Proto: "udp", Addr: "127.0.0.1", Port: 53, UID: -1},
		{Proto: "udp", Addr: "127.0.0.1", Port: 53, UID: 7, Peer: "127.0.0.1:4000"},
	}
	full := &ScanResult{Source: "x", Notes: []string{"net:[1]: \"denied\"", "second"}, Sockets: socks, Findings: Analyze(append(socks, socks[1]))}
	if len(full.Findings) == 0 {
		t.Fatal("the fixture has no findings")
	}
	full.Findings[0].Netns = "blue"
	allFieldsSet(t, reflect.ValueOf(full))
	for _, r := range []*ScanResult{
		{Source: "sock_diag", Sockets: []Socket{}, Findings: []Finding{}},
		full,
	} {
		var buf bytes.Buffer
		if err := r.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		std, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var got, want any
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("WriteJSON wrote invalid JSON: %v\n%s", err, buf.Bytes())
		}
		json.Unmarshal(std, &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("WriteJSON:\n%s\nencoding/json:\n%s", buf.Bytes(), std)
		}
	}
}

// allFieldsSet fails the test for every exported field of every struct
// type reachable from v (through slices and pointers) that no value of
// that type in v sets.
func allFieldsSet(t *testing.T, v reflect.Value) {
	t.Helper()
	set := map[reflect.Type][]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Struct:
			seen, ok := set[v.Type()]
			if !ok {
				seen = make([]bool, v.NumField())
				set[v.Type()] = seen
			}
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					seen[i] = seen[i] || !v.Field(i).IsZero()
					walk(v.Field(i))
				}
			}
		}
	}
	walk(v)
	for typ, seen := range set {
		for i, ok := range seen {
			if f := typ.Field(i); f.IsExported() && !ok {
				t.Errorf("the fixture never sets %s.%s: its JSON is not tested", typ.Name(), f.Name)
			}
		}
	}
}

// slowWriter holds its first write back, so that the encoders run ahead of
// the writer as far as they may.
type slowWriter struct {
	bytes.Buffer
	held bool
}

func (w *slowWriter) Write(p []byte) (int, error) {
	if !w.held {
		w.held = true
		time.Sleep(20 * time.Millisecond)
	}
	return w.Buffer.Write(p)
}

// TestWriteJSONParallelSameBytes: a list big enough to be encoded on every
// core comes out byte for byte as the one-core encoding writes it, in
// order, also when the writer is slow.
func TestWriteJSONParallelSameBytes(t *testing.T) {
	yes := true
	r := &ScanResult{Source: "sock_diag"}
	for i := range parallelJSONMin*2 + 77 {
		s := Socket{Proto: "tcp", Addr: fmt.Sprintf("10.0.%d.%d", i/256%256, i%256), Port: uint16(i), UID: i % 7, Inode: uint64(i)}
		if i%5 == 0 {
			s.V6Only, s.Device, s.Processes = &yes, "eth0", []Process{{PID: i, Command: "c\"md", FD: 3}}
		}
		r.Sockets = append(r.Sockets, s)
	}
	r.Findings = Analyze(r.Sockets[:10])
	render := func(procs int, w interface {
		io.Writer
		Bytes() []byte
	}) []byte {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		if err := r.WriteJSON(w); err != nil {
			t.Fatal(err)
		}
		return w.Bytes()
	}
	serial := render(1, &bytes.Buffer{})
	for _, procs := range []int{2, 4} {
		if got := render(procs, &slowWriter{}); !bytes.Equal(got, serial) {
			t.Errorf("GOMAXPROCS %d: %d bytes differ from the one-core encoding's %d", procs, len(got), len(serial))
		}
	}
	var v any
	if err := json.Unmarshal(serial, &v); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
}

// BenchmarkWriteJSON50k times encoding the result of a scan of 50,000
// listeners (on two addresses, as BenchmarkScan50k's) to io.Discard.
func BenchmarkWriteJSON50k(b *testing.B) {
	r := &ScanResult{Source: "sock_diag", Findings: []Finding{}}
	for i := range 50000 {
		r.Sockets = append(r.Sockets, Socket{Proto: "tcp", Addr: []string{"127.0.0.1", "127.0.0.2"}[i%2], Port: uint16(10000 + i/2),
			Inode: uint64(7922419 + i), Cookie: uint64(2471222 + i)})
	}
	for b.Loop() {
		r.WriteJSON(io.Discard)
	}
}

// TestWriteSocketsParallelNeverDeadlocks: an encoder that took a block
// number and then waited for a buffer, while the others took the later
// blocks and every buffer, left the writer waiting for that block forever
// (a real hang of BenchmarkWriteJSON50k). Here the encoder of every fifth
// block is delayed just after it takes its block, so the others run ahead
// as far as they can; every byte must still come out.
func TestWriteSocketsParallelNeverDeadlocks(t *testing.T) {
	defer func(f func(int)) { jsonBlockTaken = f }(jsonBlockTaken)
	jsonBlockTaken = func(k int) {
		if k%5 == 1 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	socks := make([]Socket, 40*jsonBlock)
	for i := range socks {
		socks[i] = Socket{Proto: "tcp", Addr: "127.0.0.1", Port: uint16(i)}
	}
	var want bytes.Buffer
	var e lineEncoder
	for i := range socks {
		want.Write(e.appendLine(nil, socks, i))
	}
	finished := make(chan struct{})
	var got bytes.Buffer
	go func() {
		defer close(finished)
		writeSocketsParallel(&got, socks, 3)
	}()
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatal("writeSocketsParallel hung: the writer waits for a block whose encoder has no buffer")
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("wrote %d bytes, not the %d of the blocks in order", got.Len(), want.Len())
	}
}

// TestLineEncoderHeads: the kept starts of objects must never leak into a
// socket of another protocol or address, in any order of them.
func TestLineEncoderHeads(t *testing.T) {
	addrs := []string{"127.0.0.1", "::1", "10.0.0.1"}
	var socks []Socket
	for i := range 200 {
		socks = append(socks, Socket{Proto: []string{"tcp", "udp"}[i/7%2], Addr: addrs[(i*i+i/3)%3], Port: uint16(i)})
	}
	var e lineEncoder
	var got, want []byte
	for i := range socks {
		got = e.appendLine(got, socks, i)
		if i > 0 {
			want = append(want, ',')
		}
		want = appendSocket(append(want, "\n    "...), &socks[i])
	}
	if !bytes.Equal(got, want) {
		t.Errorf("lineEncoder:\n%s\nappendSocket:\n%s", got, want)
	}
}
