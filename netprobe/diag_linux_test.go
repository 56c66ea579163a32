package netprobe

import (
	"encoding/binary"
	"math/rand/v2"
	"net"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// diagMsg encodes one inet_diag_msg as the kernel sends it, with an
// INET_DIAG_SKV6ONLY attribute when v6only >= 0 and an unrelated attribute
// before it.
func diagMsg(family, state uint8, addr, dst []byte, sport, dport uint16, iface, uid, inode uint32, cookie uint64, v6only int) []byte {
	ne := binary.NativeEndian
	b := make([]byte, inetDiagMsgLen)
	b[0], b[1] = family, state
	id := b[4:52]
	binary.BigEndian.PutUint16(id[0:], sport)
	binary.BigEndian.PutUint16(id[2:], dport)
	copy(id[4:20], addr)
	copy(id[20:36], dst)
	ne.PutUint32(id[36:], iface)
	ne.PutUint32(id[40:], uint32(cookie))
	ne.PutUint32(id[44:], uint32(cookie>>32))
	ne.PutUint32(b[64:], uid)
	ne.PutUint32(b[68:], inode)
	attr := func(typ uint16, val ...byte) {
		a := make([]byte, (4+len(val)+3)&^3)
		ne.PutUint16(a[0:], uint16(4+len(val)))
		ne.PutUint16(a[2:], typ)
		copy(a[4:], val)
		b = append(b, a...)
	}
	attr(8, 3) // INET_DIAG_SHUTDOWN
	if v6only >= 0 {
		attr(inetDiagSKV6Only, byte(v6only))
	}
	return b
}

// TestSortedRecsMatchParseDiagMsg holds the scan's fast path (pointer-free
// records, built into their sorted place) to the plain one (one Socket per
// message, then sortSockets) on the same random messages: every field,
// V6Only included, and the order.
func TestSortedRecsMatchParseDiagMsg(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	addrs4 := [][]byte{{0, 0, 0, 0}, {127, 0, 0, 1}, {127, 0, 0, 2}, {10, 1, 2, 3}}
	addrs6 := [][]byte{make([]byte, 16), net.ParseIP("::1"), net.ParseIP("fe80::1"), net.ParseIP("2001:db8::7")}
	var chunks [][]diagRec
	var plain []Socket
	var names addrNames
	for c := range 6 {
		var chunk []diagRec
		for range 3000 + rng.IntN(2000) {
			udp := c%2 == 1
			family, addr, dst := uint8(unix.AF_INET), addrs4[rng.IntN(4)], addrs4[rng.IntN(4)]
			v6only := -1
			if rng.IntN(2) == 0 {
				family, addr, dst = unix.AF_INET6, addrs6[rng.IntN(4)], addrs6[rng.IntN(4)]
				v6only = rng.IntN(3) - 1
			}
			state := uint8(tcpListen)
			if udp {
				state = []uint8{tcpClose, tcpEstablished}[rng.IntN(2)]
			}
			// Ports from a small range and a big one: buckets of one,
			// two and many sockets.
			port := rng.IntN(300)
			if rng.IntN(2) == 0 {
				port = rng.IntN(20000)
			}
			msg := diagMsg(family, state, addr, dst, uint16(port), uint16(rng.IntN(65536)),
				uint32(rng.IntN(3)), uint32(rng.IntN(3)), rng.Uint32(), rng.Uint64(), v6only)
			proto := "tcp"
			if udp {
				proto = "udp"
			}
			s, _, ok := parseDiagMsg(msg, proto, &names)
			if !ok {
				t.Fatal("parseDiagMsg refused a whole message")
			}
			plain = append(plain, s)
			var r diagRec
			if !r.parse(msg, udp) {
				t.Fatal("diagRec.parse refused a whole message")
			}
			chunk = append(chunk, r)
		}
		chunks = append(chunks, chunk)
	}
	if len(plain) < 2*parallelFillMin {
		t.Fatalf("only %d sockets: the parallel fill is not reached", len(plain))
	}
	sortSockets(plain)
	// One core, and the parallel fill on 2 and 4 (whose ranges must meet
	// exactly), above its threshold.
	for _, cores := range []int{1, 2, 3, 4} {
		fast := sortedRecsIn(chunks, cores)
		if len(fast) != len(plain) {
			t.Fatalf("%d cores: %d sockets, want %d", cores, len(fast), len(plain))
		}
		for i := range plain {
			if !reflect.DeepEqual(fast[i], plain[i]) {
				t.Fatalf("%d cores: socket %d:\n got %+v\nwant %+v", cores, i, fast[i], plain[i])
			}
		}
	}
	fast := sortedRecs(chunks)
	// Each V6Only points to its own bool: one socket's cannot change
	// another's.
	seen := map[*bool]bool{}
	for _, s := range fast {
		if s.V6Only != nil {
			if seen[s.V6Only] {
				t.Fatal("two sockets share one V6Only")
			}
			seen[s.V6Only] = true
		}
	}
}

func TestDiagRecRefusesShortMessages(t *testing.T) {
	msg := diagMsg(unix.AF_INET6, tcpListen, make([]byte, 16), make([]byte, 16), 80, 0, 0, 0, 1, 1, 1)
	for n := range inetDiagMsgLen {
		var r diagRec
		if r.parse(msg[:n], false) {
			t.Fatalf("parsed a %d-byte message", n)
		}
	}
	// A truncated or oversized attribute ends the attributes, never the
	// process.
	for n := inetDiagMsgLen; n <= len(msg); n++ {
		var r diagRec
		if !r.parse(msg[:n], false) {
			t.Fatalf("refused a %d-byte message with a whole header", n)
		}
	}
	bad := slices.Clone(msg)
	binary.NativeEndian.PutUint16(bad[inetDiagMsgLen:], 0xffff)
	var r diagRec
	if !r.parse(bad, false) || r.v6only != -1 {
		t.Fatalf("oversized attribute: v6only %d", r.v6only)
	}
}

// TestFDWalkerMatchesReadlink compares the walker with os.ReadDir and
// os.Readlink on this process's own descriptors, with sockets of several
// kinds open.
func TestFDWalkerMatchesReadlink(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(pair[0])
	defer syscall.Close(pair[1])
	dir := "/proc/self/fd"
	var got []string
	var w fdWalker
	w.walk(dir, func(fd int, inode uint64) { got = append(got, strconv.Itoa(fd)+"="+strconv.FormatUint(inode, 10)) })
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		link, err := os.Readlink(dir + "/" + e.Name())
		if err != nil || !strings.HasPrefix(link, "socket:[") {
			continue // the directory's own descriptor is gone by now
		}
		want = append(want, e.Name()+"="+strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]"))
	}
	slices.Sort(got)
	slices.Sort(want)
	if len(want) < 4 || !slices.Equal(got, want) {
		t.Fatalf("walker %v, readlink %v", got, want)
	}
}

// TestAttachSharedAndRepeated gives attach one socket held by two
// processes, one listed twice, and checks that the lists are in pid and
// descriptor order and do not share room for appends.
func TestAttachSharedAndRepeated(t *testing.T) {
	fds := &procFDs{procRoot: t.TempDir(), fds: []procFD{
		{inode: 7, pid: 10, fd: 3}, {inode: 9, pid: 10, fd: 4}, {inode: 5, pid: 11, fd: 1}, {inode: 7, pid: 12, fd: 5},
	}}
	socks := []Socket{{Inode: 7}, {Inode: 8}, {Inode: 7}, {Inode: 9}, {}}
	fds.attach(socks)
	pids := func(s Socket) (out []int) {
		for _, p := range s.Processes {
			out = append(out, p.PID*100+p.FD)
		}
		return out
	}
	for i, want := range [][]int{{1003, 1205}, nil, {1003, 1205}, {1004}, nil} {
		if got := pids(socks[i]); !slices.Equal(got, want) {
			t.Errorf("socket %d: %v, want %v", i, got, want)
		}
	}
	socks[0].Processes = append(socks[0].Processes, Process{PID: 99})
	if got := pids(socks[2]); !slices.Equal(got, []int{1003, 1205}) {
		t.Errorf("an append to one list changed the next: %v", got)
	}
}

// TestSortedRecsBigChunk: a chunk of more records than a recRef's index
// holds (1<<16) is cut into views, and every record still comes out once,
// in order, the same however the records are chunked.
func TestSortedRecsBigChunk(t *testing.T) {
	big := make([]diagRec, 1<<16+4464)
	for i := range big {
		r := &big[i]
		r.family, r.state, r.v6only = unix.AF_INET, tcpListen, -1
		r.addr[0], r.addr[3] = 127, byte(1+i%3)
		r.port = uint16(i * 7919 % 40000)
		r.inode = uint32(i + 1)
	}
	one := sortedRecsIn([][]diagRec{big}, 2)
	split := sortedRecsIn([][]diagRec{big[:30000], big[30000:]}, 1)
	if len(one) != len(big) || !reflect.DeepEqual(one, split) {
		t.Fatalf("one chunk gave %d sockets, split chunks %d, differing", len(one), len(split))
	}
	seen := make([]bool, len(big)+1)
	for i := range one {
		if seen[one[i].Inode] {
			t.Fatalf("inode %d twice", one[i].Inode)
		}
		seen[one[i].Inode] = true
		if i > 0 && compareSockets(&one[i-1], &one[i]) > 0 {
			t.Fatalf("sockets %d and %d out of order", i-1, i)
		}
	}
}

// BenchmarkSortedRecs50k times building the sorted Sockets of 50,000
// listeners from their records, the step of a big scan after the kernel's
// dump (in process, so on reused memory after the first round).
func BenchmarkSortedRecs50k(b *testing.B) {
	chunks := [][]diagRec{make([]diagRec, 4096), make([]diagRec, benchSockets-4096)}
	i := 0
	for _, c := range chunks {
		for j := range c {
			r := &c[j]
			r.family, r.state, r.v6only = unix.AF_INET, tcpListen, -1
			r.addr[0], r.addr[3] = 127, byte(1+i%2)
			r.port = uint16(10000 + i*7919%31250) // as the dump returns them: not in port order
			r.inode, r.cookie = uint32(7922419+i), uint64(2471222+i)
			i++
		}
	}
	for b.Loop() {
		sortedRecs(chunks)
	}
}
