package netprobe

import (
	"net/netip"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// freePort returns a port that is free for TCP and UDP, v4 and v6, in the
// current namespace: binding a dual-stack "[::]:0" that never connected
// leaves no TIME_WAIT behind.
func freePort(t *testing.T) uint16 {
	t.Helper()
	p, err := pickPort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func hold(t *testing.T, specs ...holdSpec) {
	t.Helper()
	for _, h := range specs {
		s, err := h.open(-1)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.close)
	}
}

func spec(proto, addr string, port uint16, opts string) holdSpec {
	h, err := parseHoldSpec(proto + " " + addr + " " + strconv.Itoa(int(port)) + " " + opts)
	if err != nil {
		panic(err)
	}
	return h
}

// ssSocket is what `ss -ltnup -e` says about one socket.
type ssSocket struct {
	proto, addr string
	port        uint16
	uid         int
	pids        []int
}

var (
	ssUID  = regexp.MustCompile(`\buid:(\d+)`)
	ssIno  = regexp.MustCompile(`\bino:(\d+)`)
	ssPIDs = regexp.MustCompile(`pid=(\d+)`)
)

// ssListening runs `ss -ltnup -e` in the current namespace, keyed by inode.
func ssListening(t *testing.T) map[uint64]ssSocket {
	t.Helper()
	out, err := exec.Command("ss", "-ltnupeH").Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	got := map[uint64]ssSocket{}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		local := f[4]
		i := strings.LastIndexByte(local, ':')
		port, err := strconv.ParseUint(local[i+1:], 10, 16)
		if err != nil {
			t.Fatalf("ss line %q: %v", line, err)
		}
		addr := strings.Trim(local[:i], "[]")
		if j := strings.IndexByte(addr, '%'); j >= 0 {
			addr = addr[:j]
		}
		s := ssSocket{proto: f[0], addr: addr, port: uint16(port)}
		if m := ssUID.FindStringSubmatch(line); m != nil {
			s.uid, _ = strconv.Atoi(m[1]) // ss omits uid 0
		}
		for _, m := range ssPIDs.FindAllStringSubmatch(line, -1) {
			pid, _ := strconv.Atoi(m[1])
			s.pids = append(s.pids, pid)
		}
		slices.Sort(s.pids)
		m := ssIno.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("ss printed no inode: %q", line)
		}
		ino, _ := strconv.ParseUint(m[1], 10, 64)
		got[ino] = s
	}
	return got
}

type findingKey struct {
	kind, proto string
	port        uint16
}

func TestScanFindsRealSharing(t *testing.T) {
	inNetns(t, func() {
		rpGroup, udpCross, split, shadow, benign := freePort(t), freePort(t), freePort(t), freePort(t), freePort(t)
		// Same uid, one SO_REUSEPORT group of two TCP listeners.
		hold(t, spec("tcp", "127.0.0.1", rpGroup, "rp,listen"), spec("tcp", "127.0.0.1", rpGroup, "rp,listen"))
		// Root's UDP socket with SO_REUSEADDR, co-bound by nobody.
		hold(t, spec("udp", "127.0.0.1", udpCross, "ra"))
		startHolder(t, nobodyUID, spec("udp", "127.0.0.1", udpCross, "ra"))
		// Root owns 0.0.0.0:p, nobody owns [::]:p with v6only.
		hold(t, spec("tcp", "0.0.0.0", split, "ra,listen"))
		startHolder(t, nobodyUID, spec("tcp", "::", split, "ra,v6only,listen"))
		// nobody's 127.0.0.1 shadows root's UDP wildcard.
		hold(t, spec("udp", "0.0.0.0", shadow, "ra"))
		startHolder(t, nobodyUID, spec("udp", "127.0.0.1", shadow, "ra"))
		// The usual sshd-style pair, one owner: not a finding.
		hold(t, spec("tcp", "0.0.0.0", benign, "none,listen"), spec("tcp", "::", benign, "v6only,listen"))

		res, err := Scan(ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Source != "sock_diag" {
			t.Errorf("source = %q, want sock_diag", res.Source)
		}
		var got []findingKey
		for _, f := range res.Findings {
			if f.Kind != KindSteering { // BPF programs are global: maybe another test's
				got = append(got, findingKey{f.Kind, f.Proto, f.Port})
			}
		}
		want := []findingKey{
			{KindShared, "tcp", rpGroup},
			{KindShared, "udp", udpCross}, {KindCrossUID, "udp", udpCross},
			{KindV4V6Split, "tcp", split},
			{KindShadow, "udp", shadow},
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("missing finding %+v; got %+v", w, res.Findings)
			}
		}
		if len(got) != len(want) {
			t.Errorf("got %d findings, want %d: %+v", len(got), len(want), got)
		}
		// The options of the sharers, read back through pidfd_getfd, also
		// from the other user's process.
		for _, f := range res.Findings {
			if f.Kind != KindShared {
				continue
			}
			for _, s := range f.Sockets {
				if s.ReuseAddr == nil || s.ReusePort == nil {
					t.Errorf("%v: options not read", s)
					continue
				}
				wantRA, wantRP := f.Proto == "udp", f.Proto == "tcp"
				if *s.ReuseAddr != wantRA || *s.ReusePort != wantRP {
					t.Errorf("%v: SO_REUSEADDR=%v SO_REUSEPORT=%v, want %v %v", s, *s.ReuseAddr, *s.ReusePort, wantRA, wantRP)
				}
			}
			if f.Proto == "udp" && !strings.Contains(f.Detail, "co-bound by different owners, so not one SO_REUSEPORT group (that needs one uid): the newest socket gets all unicast") {
				t.Errorf("UDP share detail: %q", f.Detail)
			}
		}

		// The socket list must agree with ss, socket by socket.
		ss := ssListening(t)
		if len(ss) != len(res.Sockets) {
			t.Errorf("ss lists %d sockets, Scan %d", len(ss), len(res.Sockets))
		}
		nobody := 0
		for _, s := range res.Sockets {
			o, ok := ss[s.Inode]
			if !ok {
				t.Errorf("ss does not list %v (inode %d)", s, s.Inode)
				continue
			}
			addr := o.addr
			if addr == "*" { // ss's name for a dual-stack wildcard
				addr = "::"
			}
			if o.proto != s.Proto || o.port != s.Port || o.uid != s.UID || netip.MustParseAddr(addr) != s.ip() {
				t.Errorf("inode %d: ss says %+v, Scan says %v", s.Inode, o, s)
			}
			var pids []int
			for _, p := range s.Processes {
				pids = append(pids, p.PID)
			}
			slices.Sort(pids)
			if !slices.Equal(pids, o.pids) {
				t.Errorf("inode %d: ss pids %v, Scan pids %v", s.Inode, o.pids, pids)
			}
			if s.UID == nobodyUID {
				nobody++
			}
		}
		if nobody != 3 {
			t.Errorf("Scan saw %d sockets of uid %d, want 3", nobody, nobodyUID)
		}

		// The /proc/net fallback must list the same sockets.
		fallback, err := Scan(ScanOptions{ProcNet: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(fallback.Sockets) != len(res.Sockets) {
			t.Fatalf("/proc/net: %d sockets, sock_diag %d", len(fallback.Sockets), len(res.Sockets))
		}
		for i, s := range fallback.Sockets {
			d := res.Sockets[i]
			if s.Inode != d.Inode || s.UID != d.UID || s.Addr != d.Addr || s.Port != d.Port || s.Proto != d.Proto {
				t.Errorf("/proc/net %v (inode %d) != sock_diag %v (inode %d)", s, s.Inode, d, d.Inode)
			}
		}
		// With v6only read back from the sockets themselves, the fallback
		// finds the same things, the v4/v6 split included.
		var fromProc []findingKey
		for _, f := range fallback.Findings {
			if f.Kind != KindSteering {
				fromProc = append(fromProc, findingKey{f.Kind, f.Proto, f.Port})
			}
		}
		if !slices.Equal(fromProc, got) {
			t.Errorf("/proc/net findings %+v, sock_diag %+v", fromProc, got)
		}
	})
}
