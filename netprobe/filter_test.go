package netprobe

import (
	"strconv"
	"testing"
)

func TestFilter(t *testing.T) {
	dns := sock("udp", "127.0.0.53", 53, 101)
	web := sock("tcp", "0.0.0.0", 80, 0)
	conn := sock("udp", "10.0.0.5", 5000, 1000)
	conn.Peer = "10.0.0.1:53"
	lo := sock("tcp", "127.0.0.1", 8080, 1000)
	lo.Device = "lo"
	all := []Socket{dns, web, conn, lo}
	for _, tc := range []struct {
		expr string
		want string // ports that match, in order
	}{
		{"sport = :53", "53"},
		{"sport == 53", "53"},
		{"sport >= :80", "80 5000 8080"},
		{"sport gt 80 and tcp", "8080"},
		{"udp", "53 5000"},
		{"dport = :53", "5000"},
		{"dst 10.0.0.1", "5000"},
		{"dst 10.0.0.0/8", "5000"},
		{"src 127.0.0.0/8", "53 8080"},
		{"src 127.0.0.1:8080", "8080"},
		{"src [::ffff:127.0.0.1]:8080", "8080"},
		{"sport = :53 or sport = :80", "53 80"},
		{"not udp", "80 8080"},
		{"! ( sport = :53 or tcp )", "5000"},
		{"(sport=:53)", "53"},
		{"dev lo", "8080"},
		{"sport!=53 and udp", "5000"},
		{"uid = 1000 tcp", "8080"},
	} {
		f, err := ParseFilter([]string{tc.expr})
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		got := ""
		for i := range all {
			if f.Match(&all[i]) {
				if got != "" {
					got += " "
				}
				got += strconv.Itoa(int(all[i].Port))
			}
		}
		if got != tc.want {
			t.Errorf("%q matched %q, want %q", tc.expr, got, tc.want)
		}
	}
	for _, bad := range []string{"sport", "sport = x", "src nonsense", "frobnicate", "( tcp", "tcp )", "sport = :53 or"} {
		if _, err := ParseFilter([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if f, err := ParseFilter(nil); f != nil || err != nil {
		t.Errorf("no words: %v %v", f, err)
	}
}
