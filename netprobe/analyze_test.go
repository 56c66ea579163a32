package netprobe

import (
	"slices"
	"testing"
)

func sock(proto, addr string, port uint16, uid int) Socket {
	return Socket{Proto: proto, Addr: addr, Port: port, UID: uid}
}

func kinds(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Kind+" "+f.Proto)
	}
	return out
}

// TestAnalyzeRules covers analyzePort's classification (which sharing of a
// port is a takeover, on each OS) on socket lists a kernel can produce, including ones this machine
// cannot (Windows, where owners are processes).
func TestAnalyzeRules(t *testing.T) {
	v6only := func(s Socket) Socket { b := true; s.V6Only = &b; return s }
	dual := func(s Socket) Socket { b := false; s.V6Only = &b; return s }
	dev := func(s Socket, i uint32) Socket { s.Interface = i; return s }
	peer := func(s Socket, p string) Socket { s.Peer = p; return s }
	pid := func(s Socket, p int) Socket { s.UID = -1; s.Processes = []Process{{PID: p}}; return s }
	for _, tc := range []struct {
		name  string
		socks []Socket
		want  []string
	}{
		{"distinct specific addresses never compete", []Socket{sock("tcp", "127.0.0.1", 80, 0), sock("tcp", "127.0.0.2", 80, 1000)}, nil},
		{"one socket per port", []Socket{sock("tcp", "0.0.0.0", 22, 0), sock("udp", "0.0.0.0", 22, 0)}, nil},
		{"sshd-style v4 + v6only, one owner", []Socket{sock("tcp", "0.0.0.0", 22, 0), v6only(sock("tcp", "::", 22, 0))}, nil},
		{"reuse-port group", []Socket{sock("tcp", "127.0.0.1", 80, 0), sock("tcp", "127.0.0.1", 80, 0)}, []string{"shared tcp"}},
		{"UDP shared across uids", []Socket{sock("udp", "127.0.0.1", 53, 0), sock("udp", "127.0.0.1", 53, 65534)}, []string{"shared udp", "cross-uid udp"}},
		{"different devices are benign", []Socket{dev(sock("tcp", "0.0.0.0", 80, 0), 1), dev(sock("tcp", "0.0.0.0", 80, 1000), 2)}, nil},
		{"v4/v6 split across uids", []Socket{sock("tcp", "0.0.0.0", 80, 0), v6only(sock("tcp", "::", 80, 65534))}, []string{"v4v6-split tcp"}},
		{"v4 wildcard vs another user's ::1", []Socket{sock("tcp", "0.0.0.0", 80, 0), sock("tcp", "::1", 80, 65534)}, []string{"v4v6-split tcp"}},
		{"split between non-loopback addresses is not about localhost", []Socket{sock("tcp", "10.0.0.1", 80, 0), sock("tcp", "fd00::1", 80, 65534)}, nil},
		{"specific shadows another user's wildcard", []Socket{sock("udp", "0.0.0.0", 5353, 0), sock("udp", "127.0.0.1", 5353, 65534)}, []string{"shadow udp"}},
		{"dual-stack wildcard shadowed over IPv4", []Socket{dual(sock("tcp", "::", 80, 0)), sock("tcp", "127.0.0.1", 80, 1000)}, []string{"shadow tcp"}},
		{"v6-only wildcard is not shadowed by IPv4", []Socket{v6only(sock("tcp", "::", 80, 0)), sock("tcp", "127.0.0.1", 80, 1000)}, []string{"v4v6-split tcp"}},
		{"same owner wildcard and specific: a split, not a hijack", []Socket{sock("tcp", "0.0.0.0", 80, 0), sock("tcp", "127.0.0.1", 80, 0)}, []string{"split tcp"}},
		{"same owner device split", []Socket{sock("tcp", "0.0.0.0", 80, 0), dev(sock("tcp", "0.0.0.0", 80, 0), 1)}, []string{"split tcp"}},
		{"same owner family split", []Socket{dual(sock("tcp", "::", 80, 0)), sock("tcp", "0.0.0.0", 80, 0)}, []string{"split tcp"}},
		{"device-bound socket of another user", []Socket{sock("udp", "0.0.0.0", 53, 0), dev(sock("udp", "0.0.0.0", 53, 65534), 1)}, []string{"device-shadow udp"}},
		{"device-bound v4 socket under a dual-stack one", []Socket{dual(sock("udp", "::", 53, 0)), dev(sock("udp", "0.0.0.0", 53, 65534), 1)}, []string{"device-shadow udp"}},
		{"device-bound on a specific address of its own is benign", []Socket{sock("udp", "127.0.0.1", 53, 0), dev(sock("udp", "127.0.0.2", 53, 65534), 1)}, nil},
		{"another user's v4 socket under root's dual-stack one", []Socket{dual(sock("udp", "::", 53, 0)), sock("udp", "0.0.0.0", 53, 65534)}, []string{"v4v6-split udp"}},
		{"another user's dual-stack socket over root's v4 one", []Socket{sock("udp", "0.0.0.0", 53, 0), dual(sock("udp", "::", 53, 65534))}, []string{"v4v6-split udp"}},
		{"another user's connected socket", []Socket{sock("udp", "127.0.0.1", 53, 0), peer(sock("udp", "127.0.0.1", 53, 65534), "127.0.0.1:4000")}, []string{"connected udp"}},
		{"own connected sockets (a QUIC server)", []Socket{sock("udp", "0.0.0.0", 443, 7), peer(sock("udp", "127.0.0.1", 443, 7), "127.0.0.1:4000")}, nil},
		{"a connected socket on another address", []Socket{sock("udp", "127.0.0.1", 53, 0), peer(sock("udp", "127.0.0.2", 53, 65534), "127.0.0.1:4000")}, nil},
		{"Windows: two processes on one port", []Socket{pid(sock("tcp", "0.0.0.0", 445, 0), 4), pid(sock("tcp", "0.0.0.0", 445, 0), 812)}, []string{"shared tcp", "cross-uid tcp"}},
		{"Windows: one process twice", []Socket{pid(sock("tcp", "0.0.0.0", 445, 0), 4), pid(sock("tcp", "0.0.0.0", 445, 0), 4)}, []string{"shared tcp"}},
	} {
		got := kinds(Analyze(tc.socks))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestAnalyzeDoesNotReorderInput(t *testing.T) {
	in := []Socket{sock("udp", "127.0.0.1", 9, 0), sock("tcp", "127.0.0.1", 9, 0)}
	before := slices.Clone(in)
	Analyze(in)
	for i := range in {
		if in[i].Proto != before[i].Proto {
			t.Fatal("Analyze reordered its input")
		}
	}
}
