package netprobe

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"github.com/quirkcheck/quirk/expand/testenv"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// helperEnv makes the test binary a socket holder: it opens the sockets
// listed in the variable, prints "ready", and keeps them until stdin closes.
// Tests start it with another uid inside their network namespace, so the
// cross-user sockets really belong to another process and another user.
const helperEnv = "NETPROBE_TEST_HOLD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		os.Exit(holdSockets(spec))
	}
	if spec := os.Getenv(tryHelperEnv); spec != "" {
		os.Exit(trySocket(spec))
	}
	if spec := os.Getenv(manyHelperEnv); spec != "" {
		os.Exit(holdMany(spec))
	}
	if os.Getenv(matrixHelperEnv) != "" {
		rep, err := Matrix(context.Background())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		json.NewEncoder(os.Stdout).Encode(rep)
		os.Exit(0)
	}
	code := m.Run()
	if holderPath != "" {
		os.RemoveAll(filepath.Dir(holderPath))
	}
	os.Exit(code)
}

// holdSpec is one socket for the helper: "proto addr port opts", where opts
// is a comma list of ra, rp, v6only, listen.
type holdSpec struct {
	proto  string
	addr   netip.Addr
	port   uint16
	opts   sockOpts
	listen bool
	device string         // SO_BINDTODEVICE, "" for none
	peer   netip.AddrPort // connect() there after bind (UDP), when valid
}

func (h holdSpec) String() string {
	var o []string
	if h.opts.ReuseAddr {
		o = append(o, "ra")
	}
	if h.opts.ReusePort {
		o = append(o, "rp")
	}
	if h.opts.V6Only == 1 {
		o = append(o, "v6only")
	}
	if h.listen {
		o = append(o, "listen")
	}
	if h.device != "" {
		o = append(o, "dev="+h.device)
	}
	if h.peer.IsValid() {
		o = append(o, "peer="+h.peer.String())
	}
	if len(o) == 0 {
		o = append(o, "none")
	}
	return fmt.Sprintf("%s %s %d %s", h.proto, h.addr, h.port, strings.Join(o, ","))
}

func parseHoldSpec(s string) (holdSpec, error) {
	f := strings.Fields(s)
	if len(f) != 4 {
		return holdSpec{}, fmt.Errorf("bad spec %q", s)
	}
	h := holdSpec{proto: f[0], opts: sockOpts{V6Only: -1}}
	var err error
	if h.addr, err = netip.ParseAddr(f[1]); err != nil {
		return h, err
	}
	p, err := strconv.ParseUint(f[2], 10, 16)
	if err != nil {
		return h, err
	}
	h.port = uint16(p)
	for o := range strings.SplitSeq(f[3], ",") {
		switch o {
		case "ra":
			h.opts.ReuseAddr = true
		case "rp":
			h.opts.ReusePort = true
		case "v6only":
			h.opts.V6Only = 1
		case "v6only=0":
			h.opts.V6Only = 0
		case "listen":
			h.listen = true
		case "none":
		default:
			if d, ok := strings.CutPrefix(o, "dev="); ok {
				h.device = d
				continue
			}
			if p, ok := strings.CutPrefix(o, "peer="); ok {
				if h.peer, err = netip.ParseAddrPort(p); err != nil {
					return h, err
				}
				continue
			}
			return h, fmt.Errorf("bad option %q", o)
		}
	}
	return h, nil
}

// open creates, binds and (for TCP listeners) listens.
func (h holdSpec) open(uid int) (*probeSocket, error) {
	s, err := openSocket(h.proto, h.addr, h.opts, uid)
	if err != nil {
		return nil, err
	}
	if h.device != "" {
		if err := unix.SetsockoptString(s.fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, h.device); err != nil {
			s.close()
			return nil, fmt.Errorf("SO_BINDTODEVICE %s: %w", h, err)
		}
	}
	if err := s.bind(h.port); err != nil {
		s.close()
		return nil, fmt.Errorf("bind %s: %w", h, err)
	}
	if h.peer.IsValid() {
		if err := unix.Connect(s.fd, sockaddr(h.peer.Addr(), h.peer.Port())); err != nil {
			s.close()
			return nil, fmt.Errorf("connect %s: %w", h, err)
		}
	}
	if h.listen {
		if err := s.listen(); err != nil {
			s.close()
			return nil, fmt.Errorf("listen %s: %w", h, err)
		}
	}
	return s, nil
}

func holdSockets(specs string) int {
	for line := range strings.SplitSeq(specs, ";") {
		h, err := parseHoldSpec(line)
		if err == nil {
			_, err = h.open(-1)
		}
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

var (
	holderOnce sync.Once
	holderPath string
	holderErr  error
)

// holderBinary is a copy of the test binary that other uids can execute: go
// test builds it in a directory only its owner can enter.
func holderBinary(t testing.TB) string {
	holderOnce.Do(func() {
		dir, err := os.MkdirTemp("", "netprobe-holder")
		if err != nil {
			holderErr = err
			return
		}
		holderPath = filepath.Join(dir, "netprobe.test")
		var b []byte
		if b, err = os.ReadFile(os.Args[0]); err == nil {
			if err = os.WriteFile(holderPath, b, 0o755); err == nil {
				err = os.Chmod(dir, 0o755)
			}
		}
		holderErr = err
	})
	if holderErr != nil {
		t.Fatal(holderErr)
	}
	return holderPath
}

// startHolder runs the helper as uid with the given sockets. It must be
// called from the goroutine that owns the network namespace, so the child
// inherits it. The sockets live until the test ends.
func startHolder(t testing.TB, uid int, specs ...holdSpec) {
	t.Helper()
	startHelper(t, uid, helperEnv, strings.Join(specStrings(specs), ";"))
}

func specStrings(specs []holdSpec) []string {
	parts := make([]string, len(specs))
	for i, s := range specs {
		parts[i] = s.String()
	}
	return parts
}

// startHelper runs the test binary as uid with env=value and waits for it
// to print "ready"; it is stopped when the test ends.
func startHelper(t testing.TB, uid int, env, value string) {
	t.Helper()
	cmd := exec.Command(holderBinary(t), "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+value)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("holder as uid %d: %q", uid, line)
	}
}

// requireRoot ends a test that needs root by testenv's policy.
func requireRoot(t *testing.T) {
	t.Helper()
	testenv.NeedRoot(t, "network namespaces, other uids")
}

// inNetns runs fn in a fresh network namespace, failing the test on error.
func inNetns(t *testing.T, fn func()) {
	t.Helper()
	requireRoot(t)
	if err := inPrivateNetns(func() error { fn(); return nil }); err != nil {
		t.Fatal(err)
	}
}

// manyHelperEnv ("FIRSTPORT COUNT") makes the helper hold COUNT TCP
// listeners, alternating 127.0.0.1 and 127.0.0.2 from FIRSTPORT up: the
// benchmark spreads its 50,000 sockets over several processes, since one
// process may not raise RLIMIT_NOFILE high enough in a container.
const manyHelperEnv = "NETPROBE_TEST_MANY"

func holdMany(spec string) int {
	var first, count int
	if _, err := fmt.Sscan(spec, &first, &count); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < lim.Max {
		lim.Cur = lim.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	for i := range count {
		h := holdSpec{proto: "tcp", addr: netip.AddrFrom4([4]byte{127, 0, 0, byte(1 + i%2)}), port: uint16(first + i/2), opts: optNone, listen: true}
		if _, err := h.open(-1); err != nil {
			fmt.Println("error:", err)
			return 1
		}
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// tryHelperEnv makes the helper try one socket ("proto addr port opts"),
// print "result: ok" or "result: ERRNO" (with a "listen: " prefix when the
// listen failed), and exit.
const tryHelperEnv = "NETPROBE_TEST_TRY"

func trySocket(spec string) int {
	h, err := parseHoldSpec(spec)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	s, err := openSocket(h.proto, h.addr, h.opts, -1)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	defer s.close()
	result := "ok"
	if h.device != "" {
		if err := unix.SetsockoptString(s.fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, h.device); err != nil {
			fmt.Println("error:", err)
			return 1
		}
	}
	if err := s.bind(h.port); err != nil {
		result = errnoName(err)
	} else if h.listen {
		if err := s.listen(); err != nil {
			result = "listen: " + errnoName(err)
		}
	}
	fmt.Println("result:", result)
	return 0
}

// tryAs runs trySocket as uid in the caller's network namespace.
func tryAs(t testing.TB, uid int, h holdSpec) string {
	t.Helper()
	cmd := exec.Command(holderBinary(t), "-test.run=^$")
	cmd.Env = append(os.Environ(), tryHelperEnv+"="+h.String())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("try %s as uid %d: %v", h, uid, err)
	}
	result, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "result: ")
	if !ok {
		t.Fatalf("try %s as uid %d: %q", h, uid, out)
	}
	return result
}
