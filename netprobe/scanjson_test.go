package netprobe

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// TestWriteJSONMatchesEncodingJSON holds the hand-written encoder to the
// struct tags: both must decode to the same value.
func TestWriteJSONMatchesEncodingJSON(t *testing.T) {
	yes, no := true, false
	socks := []Socket{
		{Proto: "tcp", Addr: "::", Port: 80, V6Only: &yes, Interface: 3, Device: "eth0", DeviceUnknown: true, UID: 0, Inode: 12, Cookie: 1 << 40,
			Processes: []Process{{PID: 1, Command: "we\"ird\\ <name>\x01ü", FD: 3}, {PID: 2}}, ReuseAddr: &yes, ReusePort: &no},
		{Proto: "udp", Addr: "127.0.0.1", Port: 53, UID: -1},
		{Proto: "udp", Addr: "127.0.0.1", Port: 53, UID: 7, Peer: "127.0.0.1:4000"},
	}
	for _, r := range []*ScanResult{
		{Source: "sock_diag", Sockets: []Socket{}, Findings: []Finding{}},
		{Source: "x", Sockets: socks, Findings: Analyze(append(socks, socks[1]))},
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
