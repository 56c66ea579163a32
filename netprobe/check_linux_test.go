package netprobe

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func takeable(rep *CheckReport) []string {
	var out []string
	for _, a := range rep.Takeable {
		out = append(out, a.Proto+" "+a.Options+" uid "+itoa(a.UID))
	}
	slices.Sort(out)
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestCheck(t *testing.T) {
	inNetns(t, func() {
		lo := netip.MustParseAddr("127.0.0.1")

		// A listener with SO_REUSEPORT can be joined by its own uid only.
		p := freePort(t)
		hold(t, spec("tcp", "127.0.0.1", p, "rp,listen"))
		rep, err := Check(netip.AddrPortFrom(lo, p), false)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Holders) != 1 || rep.Holders[0].UID != 0 {
			t.Errorf("holders = %v", rep.Holders)
		}
		want := []string{"tcp SO_REUSEADDR+SO_REUSEPORT uid 0", "tcp SO_REUSEPORT uid 0"}
		if got := takeable(rep); !slices.Equal(got, want) {
			t.Errorf("reuse-port listener: takeable %q, want %q", got, want)
		}
		if len(rep.Attempts) != 8 {
			t.Errorf("%d attempts, want 4 option sets × 2 uids", len(rep.Attempts))
		}

		// What net.Listen makes on Linux (SO_REUSEADDR only) is safe.
		p = freePort(t)
		hold(t, spec("tcp", "127.0.0.1", p, "ra,listen"))
		rep, err = Check(netip.AddrPortFrom(lo, p), false)
		if err != nil {
			t.Fatal(err)
		}
		if got := takeable(rep); len(got) != 0 {
			t.Errorf("plain listener: takeable %q", got)
		}

		// A UDP socket with SO_REUSEADDR can be co-bound by anybody, also
		// through the wildcard address.
		p = freePort(t)
		hold(t, spec("udp", "127.0.0.1", p, "ra"))
		rep, err = Check(netip.AddrPortFrom(lo, p), true)
		if err != nil {
			t.Fatal(err)
		}
		want = []string{
			"udp SO_REUSEADDR uid 0", "udp SO_REUSEADDR uid 65534",
			"udp SO_REUSEADDR+SO_REUSEPORT uid 0", "udp SO_REUSEADDR+SO_REUSEPORT uid 65534",
		}
		if got := takeable(rep); !slices.Equal(got, want) {
			t.Errorf("UDP with SO_REUSEADDR: takeable %q, want %q", got, want)
		}

		// Nobody there: binds succeed, but nothing is takeable.
		p = freePort(t)
		rep, err = Check(netip.AddrPortFrom(lo, p), true)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Holders) != 0 || len(rep.Takeable) != 0 || rep.Attempts[0].Result != "ok" {
			t.Errorf("free port: %+v", rep)
		}

		// Held by UDP only, checked without --udp: a UDP holder is listed
		// and the report says UDP was not tried, instead of "harmless".
		p = freePort(t)
		hold(t, spec("udp", "127.0.0.1", p, "ra"))
		rep, err = Check(netip.AddrPortFrom(lo, p), false)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Holders) != 1 || rep.Holders[0].Proto != "udp" || !slices.ContainsFunc(rep.NotTried, func(s string) bool { return strings.HasPrefix(s, "UDP binds: the port is held by UDP") }) {
			t.Errorf("UDP-only holder without --udp: holders %v, not tried %q", rep.Holders, rep.NotTried)
		}

		// An address this host does not have: nothing could be tried.
		rep, err = Check(netip.MustParseAddrPort("192.0.2.7:80"), false)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.NotLocal || len(rep.Takeable) != 0 {
			t.Errorf("non-local address: %+v", rep)
		}
	})
}

func TestParseTarget(t *testing.T) {
	for _, bad := range []string{"", "127.0.0.1", "localhost:80", "127.0.0.1:0", "[fe80::1%eth0]:80", "1.2.3.4:99999"} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("ParseTarget(%q) accepted", bad)
		}
	}
	if _, err := ParseTarget("example.com:80"); err == nil || !strings.Contains(err.Error(), "numeric address") {
		t.Errorf("a host name: %v", err)
	}
	got, err := ParseTargets("localhost:80")
	if err != nil || len(got) != 2 || got[0].String() != "127.0.0.1:80" || got[1].String() != "[::1]:80" {
		t.Errorf("localhost:80 = %v, %v; want both loopback addresses", got, err)
	}
	if _, err := ParseTargets("localhost:0"); err == nil || !strings.Contains(err.Error(), "port 0") {
		t.Errorf("localhost:0: %v", err)
	}
	ap, err := ParseTarget("[::ffff:127.0.0.1]:80")
	if err != nil || ap.String() != "127.0.0.1:80" {
		t.Errorf("v4-mapped: %v %v", ap, err)
	}
}
