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

// TestAnalyzeRules covers the classification table of the facts sheet
// (§4.1) on socket lists a kernel can produce, including ones this machine
// cannot (Windows, where owners are processes).
func TestAnalyzeRules(t *testing.T) {
	v6only := func(s Socket) Socket { b := true; s.V6Only = &b; return s }
	dual := func(s Socket) Socket { b := false; s.V6Only = &b; return s }
	dev := func(s Socket, i uint32) Socket { s.Interface = i; return s }
	pid := func(s Socket, p int) Socket { s.UID = -1; s.Processes = []Process{{PID: p}}; return s }
	for _, tc := range []struct {
		name  string
		socks []Socket
		want  []string
	}{
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
		{"same owner overlapping is a choice, not a finding", []Socket{sock("tcp", "0.0.0.0", 80, 0), sock("tcp", "127.0.0.1", 80, 0)}, nil},
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
