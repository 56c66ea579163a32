package netprobe

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// recvHelperEnv makes the test binary hold the sockets listed in the
// variable (holdSpec strings joined by ";"), print "ready", and then answer
// every line on stdin with the number of datagrams each socket has received
// so far. The takeover tests run it as another uid, so that the traffic a
// finding claims another user takes is really received by that user.
const recvHelperEnv = "NETPROBE_TEST_RECV"

func init() {
	if spec := os.Getenv(recvHelperEnv); spec != "" {
		os.Exit(recvSockets(spec))
	}
}

func recvSockets(specs string) int {
	var socks []*probeSocket
	for line := range strings.SplitSeq(specs, ";") {
		h, err := parseHoldSpec(line)
		var s *probeSocket
		if err == nil {
			s, err = h.open(-1)
		}
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		socks = append(socks, s)
	}
	fmt.Println("ready")
	counts := make([]int, len(socks))
	buf := make([]byte, 64)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		for i, s := range socks {
			for {
				if _, _, err := unix.Recvfrom(s.fd, buf, 0); err != nil {
					break
				}
				counts[i]++
			}
		}
		fields := make([]string, len(counts))
		for i, c := range counts {
			fields[i] = strconv.Itoa(c)
		}
		fmt.Println(strings.Join(fields, " "))
	}
	return 0
}

// receiver is a socket holder in another process, as another uid.
type receiver struct {
	in  io.WriteCloser
	out *bufio.Reader
}

func startReceiver(t *testing.T, uid int, specs ...holdSpec) *receiver {
	t.Helper()
	cmd := exec.Command(holderBinary(t), "-test.run=^$")
	cmd.Env = append(os.Environ(), recvHelperEnv+"="+strings.Join(specStrings(specs), ";"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); cmd.Wait() })
	r := &receiver{in: in, out: bufio.NewReader(outPipe)}
	if line, _ := r.out.ReadString('\n'); strings.TrimSpace(line) != "ready" {
		t.Fatalf("receiver as uid %d: %q", uid, line)
	}
	return r
}

// counts asks the receiver how many datagrams each of its sockets got.
func (r *receiver) counts(t *testing.T) []int {
	t.Helper()
	fmt.Fprintln(r.in)
	line, err := r.out.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, f := range strings.Fields(line) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("receiver said %q", line)
		}
		out = append(out, n)
	}
	return out
}

// sendUDP sends n datagrams to dst, each from a fresh socket (so a
// reuse-port group sees n sources); from, when valid, is the source
// address and port every datagram comes from.
func sendUDP(t *testing.T, dst netip.AddrPort, n int, from netip.AddrPort) {
	t.Helper()
	for range n {
		c, err := openSocket("udp", dst.Addr(), sockOpts{ReuseAddr: from.IsValid(), V6Only: -1}, -1)
		if err != nil {
			t.Fatal(err)
		}
		if from.IsValid() {
			if err := unix.Bind(c.fd, sockaddr(from.Addr(), from.Port())); err != nil {
				c.close()
				t.Fatalf("bind sender to %s: %v", from, err)
			}
		}
		err = unix.Sendto(c.fd, []byte("netprobe"), 0, sockaddr(dst.Addr(), dst.Port()))
		c.close()
		if err != nil {
			t.Fatalf("sendto %s: %v", dst, err)
		}
	}
}

// countLocal drains the test's own sockets.
func countLocal(socks ...*probeSocket) []int {
	return drain(socks, 1<<30, func(fd int) bool {
		var b [64]byte
		_, _, err := unix.Recvfrom(fd, b[:], 0)
		return err == nil
	})
}

func holdOne(t *testing.T, h holdSpec) *probeSocket {
	t.Helper()
	s, err := h.open(-1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	return s
}

// TestScanFindsTakeovers builds each cross-user takeover with a real
// second-uid process, checks that Scan reports it, and then sends traffic:
// the other user must really receive what the finding says it takes.
//
// Each case gets its own namespace: t.Run starts a new goroutine, which
// would not be on the namespace's locked thread.
func TestScanFindsTakeovers(t *testing.T) {
	requireRoot(t)
	for _, tc := range []struct {
		name         string
		root, other  string // "addr opts" of root's and uid 65534's socket
		otherFirst   bool
		kind         string
		dst          string // where the datagrams go
		fromPeerPort bool   // send from the peer the other socket is connected to
	}{
		{"device-bound after root", "0.0.0.0 ra", "0.0.0.0 ra,dev=lo", false, KindDeviceShadow, "127.0.0.1", false},
		{"device-bound before root", "0.0.0.0 ra", "0.0.0.0 ra,dev=lo", true, KindDeviceShadow, "127.0.0.1", false},
		{"IPv4 under root's dual-stack socket", ":: ra,v6only=0", "0.0.0.0 ra", false, KindV4V6Split, "127.0.0.1", false},
		{"dual-stack over root's IPv4 socket", "0.0.0.0 ra", ":: ra,v6only=0", false, KindV4V6Split, "::1", false},
		{"connected to one client", "127.0.0.1 ra", "127.0.0.1 ra,peer=127.0.0.1:PEER", false, KindConnected, "127.0.0.1", true},
		{"SO_REUSEADDR+SO_REUSEPORT across users", "127.0.0.1 ra,rp", "127.0.0.1 ra,rp", false, KindCrossUID, "127.0.0.1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inNetns(t, func() {
				port, peerPort := freePort(t), freePort(t)
				other := strings.ReplaceAll(tc.other, "PEER", strconv.Itoa(int(peerPort)))
				rf, of := strings.Fields(tc.root), strings.Fields(other)
				var mine *probeSocket
				var r *receiver
				if tc.otherFirst {
					r = startReceiver(t, nobodyUID, spec("udp", of[0], port, of[1]))
					mine = holdOne(t, spec("udp", rf[0], port, rf[1]))
				} else {
					mine = holdOne(t, spec("udp", rf[0], port, rf[1]))
					r = startReceiver(t, nobodyUID, spec("udp", of[0], port, of[1]))
				}
				res, err := Scan(ScanOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var found *Finding
				for i, f := range res.Findings {
					if f.Port == port && f.Kind == tc.kind {
						found = &res.Findings[i]
					}
				}
				if found == nil {
					t.Fatalf("no %s finding on port %d: %+v", tc.kind, port, res.Findings)
				}
				if !strings.Contains(found.Detail, "uid 65534") {
					t.Errorf("the finding does not name the other user: %q", found.Detail)
				}
				from := netip.AddrPort{}
				if tc.fromPeerPort {
					from = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), peerPort)
				}
				const n = 20
				sendUDP(t, netip.AddrPortFrom(netip.MustParseAddr(tc.dst), port), n, from)
				got, lost := r.counts(t)[0], countLocal(mine)[0]
				if got != n || lost != 0 {
					t.Errorf("uid 65534 received %d of %d datagrams, root %d; the finding says: %s", got, n, lost, found.Detail)
				}
			})
		})
	}
}

// TestProcNetReadsDevices: /proc/net has no device column, so two sockets
// on different devices used to look like one shared address. The fallback
// reads the device back from the sockets and keeps them apart; where it
// cannot (no process lookup), the finding says the devices are unknown.
func TestProcNetReadsDevices(t *testing.T) {
	inNetns(t, func() {
		for _, args := range [][]string{{"link", "add", "qk0", "type", "veth", "peer", "name", "qk1"}, {"link", "set", "qk0", "up"}} {
			if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
				t.Fatalf("ip %v: %v: %s", args, err, out)
			}
		}
		port := freePort(t)
		holdOne(t, spec("udp", "0.0.0.0", port, "ra,dev=lo"))
		startReceiver(t, nobodyUID, spec("udp", "0.0.0.0", port, "ra,dev=qk0"))

		for _, src := range []ScanOptions{{}, {ProcNet: true}} {
			res, err := Scan(src)
			if err != nil {
				t.Fatal(err)
			}
			var devs []string
			for _, s := range res.Sockets {
				if s.Port == port {
					devs = append(devs, s.Device)
				}
			}
			if strings.Join(devs, ",") != "lo,qk0" {
				t.Errorf("%s: devices %q, want lo,qk0", res.Source, devs)
			}
			for _, f := range res.Findings {
				if f.Port == port {
					t.Errorf("%s: sockets on different devices reported: %+v", res.Source, f)
				}
			}
		}
		res, err := Scan(ScanOptions{ProcNet: true, NoProcesses: true})
		if err != nil {
			t.Fatal(err)
		}
		var shared *Finding
		for i, f := range res.Findings {
			if f.Port == port && f.Kind == KindShared {
				shared = &res.Findings[i]
			}
		}
		if shared == nil || !strings.Contains(shared.Detail, "devices unknown") {
			t.Errorf("without read-back the share must carry the caveat: %+v", shared)
		}
	})
}

func TestProcNetUnreadableIsAnError(t *testing.T) {
	if _, err := procNetSockets(t.TempDir()); err == nil {
		t.Error("an empty /proc/net directory gave no error")
	}
	if _, err := procNetSockets("/nonexistent/net"); err == nil {
		t.Error("a missing /proc gave no error")
	}
}

// TestScanAllNetns puts root's and uid 65534's co-bound UDP sockets on the
// same port in two different namespaces: each namespace is listed and
// labelled, and the pair is no finding (they never compete). The same pair
// inside one namespace is.
func TestScanAllNetns(t *testing.T) {
	requireRoot(t)
	port := freePort(t)
	release := make(chan struct{})
	defer close(release)
	ready := make(chan error, 1)
	go func() {
		// Namespace B: uid 65534's socket, held by a process that lives
		// until the test ends.
		err := inPrivateNetns(func() error {
			cmd := exec.Command(holderBinary(t), "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"="+spec("udp", "127.0.0.1", port, "ra").String())
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}}
			in, err := cmd.StdinPipe()
			if err != nil {
				return err
			}
			out, err := cmd.StdoutPipe()
			if err != nil {
				return err
			}
			if err := cmd.Start(); err != nil {
				return err
			}
			line, _ := bufio.NewReader(out).ReadString('\n')
			if strings.TrimSpace(line) != "ready" {
				return fmt.Errorf("holder: %q", line)
			}
			ready <- nil
			<-release
			in.Close()
			return cmd.Wait()
		})
		if err != nil {
			ready <- err
		}
	}()
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	inNetns(t, func() {
		// Namespace A: root's socket on the same address and port.
		holdOne(t, spec("udp", "127.0.0.1", port, "ra"))
		res, err := Scan(ScanOptions{AllNetns: true})
		if err != nil {
			t.Fatal(err)
		}
		nsOf := map[int]string{}
		for _, s := range res.Sockets {
			if s.Port == port && s.Proto == "udp" {
				if s.Netns == "" {
					t.Errorf("unlabelled socket %v", s)
				}
				nsOf[s.UID] = s.Netns
			}
		}
		if len(nsOf) != 2 || nsOf[0] == nsOf[nobodyUID] {
			t.Errorf("want root's and uid %d's sockets in two namespaces, got %v", nobodyUID, nsOf)
		}
		for _, f := range res.Findings {
			if f.Port == port {
				t.Errorf("sockets of different namespaces reported: %+v", f)
			}
		}
	})
}

// TestScanForkSharedIsOneSocket: a socket inherited by a child process is
// one socket held by two processes, not two sockets sharing a port.
func TestScanForkSharedIsOneSocket(t *testing.T) {
	inNetns(t, func() {
		port := freePort(t)
		s := holdOne(t, spec("udp", "127.0.0.1", port, "none"))
		dup, err := unix.FcntlInt(uintptr(s.fd), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		f := os.NewFile(uintptr(dup), "inherited")
		defer f.Close()
		cmd := exec.Command("sleep", "30")
		cmd.ExtraFiles = []*os.File{f}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		res, err := Scan(ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var mine []Socket
		for _, s := range res.Sockets {
			if s.Port == port {
				mine = append(mine, s)
			}
		}
		pids := map[int]bool{}
		for _, s := range mine {
			for _, p := range s.Processes {
				pids[p.PID] = true
			}
		}
		if len(mine) != 1 || len(pids) != 2 {
			t.Fatalf("want one socket held by two processes, got %+v in %d processes", mine, len(pids))
		}
		for _, f := range res.Findings {
			if f.Port == port {
				t.Errorf("a fork-shared socket was reported: %+v", f)
			}
		}
	})
}
