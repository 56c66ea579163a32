package netprobe

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

const matrixHelperEnv = "NETPROBE_TEST_MATRIX"

func findRow(t *testing.T, rows []Row, group, caseSubstr string) Row {
	t.Helper()
	for _, r := range rows {
		if r.Group == group && strings.Contains(r.Case, caseSubstr) {
			return r
		}
	}
	t.Fatalf("no %s row matching %q", group, caseSubstr)
	return Row{}
}

// TestMatrixAsRoot runs the whole matrix in its private namespace and holds
// the kernel to the Linux column, which was written from socket(7), the
// kernel sources and earlier measurements on Linux 6.18.
func TestMatrixAsRoot(t *testing.T) {
	requireRoot(t)
	rep, err := Matrix(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Isolated || !rep.CrossUser {
		t.Fatalf("isolated=%v crossUser=%v as root", rep.Isolated, rep.CrossUser)
	}
	if len(rep.Rows) != len(unixCases()) {
		t.Fatalf("%d rows for %d cases", len(rep.Rows), len(unixCases()))
	}
	for _, r := range rep.Rows {
		if r.Agrees != "yes" {
			t.Errorf("%s: %s: got %q, documented %q (%s)", r.Group, r.Case, r.Result, r.Documented, r.Note)
		}
	}

	// The hijack the issue is about: another user co-binds root's UDP
	// socket and receives every datagram.
	r := findRow(t, rep.Rows, "udp", "udp 127.0.0.1 SO_REUSEADDR → udp 127.0.0.1 SO_REUSEADDR as uid 65534")
	if r.Result != "ok" || r.Takes != "yes" || r.Traffic != "127.0.0.1: first 0, second 20" {
		t.Errorf("cross-user UDP: %+v", r)
	}
	// A SO_REUSEPORT group spreads connections over both listeners.
	r = findRow(t, rep.Rows, "two-listeners", "127.0.0.1 SO_REUSEPORT → tcp listener 127.0.0.1 SO_REUSEPORT")
	if r.Takes != "yes" || strings.Contains(r.Traffic, "first 0") || strings.Contains(r.Traffic, "second 0") {
		t.Errorf("reuse-port group: %+v", r)
	}
	// The v4/v6 split gives ::1 to the other user and nothing else.
	r = findRow(t, rep.Rows, "dual-stack", "v6only=1 SO_REUSEADDR as uid 65534")
	if r.Result != "ok" || r.Takes != "yes" || r.Traffic != "127.0.0.1: first 20, second 0; ::1: first 0, second 20" {
		t.Errorf("v4/v6 split: %+v", r)
	}
}

// TestMatrixWithoutRoot runs the matrix as uid 65534: no namespace, so it
// must stay on loopback, never listen on a wildcard, and skip the
// cross-user cases instead of failing them.
func TestMatrixWithoutRoot(t *testing.T) {
	requireRoot(t) // to become another user
	var rep MatrixReport
	inNetns(t, func() { // keep even the unprivileged run off the host
		cmd := exec.Command(holderBinary(t), "-test.run=^$")
		cmd.Env = append(os.Environ(), matrixHelperEnv+"=1")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}}
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("matrix as nobody: %v", err)
			return
		}
		if err := json.Unmarshal(out, &rep); err != nil {
			t.Errorf("matrix output: %v\n%s", err, out)
		}
	})
	if t.Failed() {
		return
	}
	if rep.Isolated || rep.CrossUser {
		t.Fatalf("isolated=%v crossUser=%v as nobody", rep.Isolated, rep.CrossUser)
	}
	skipped, adapted := 0, 0
	for _, r := range rep.Rows {
		switch {
		case strings.Contains(r.Case, "as uid 65534"):
			if r.Result != "skipped" {
				t.Errorf("cross-user case ran without root: %+v", r)
			}
			skipped++
		case r.Agrees == "n/a":
			adapted++
			if r.Traffic != "" && strings.HasPrefix(r.Case, "tcp") {
				t.Errorf("wildcard row measured traffic without a listener: %+v", r)
			}
		case r.Agrees != "yes":
			t.Errorf("%s: %s: got %q, documented %q", r.Group, r.Case, r.Result, r.Documented)
		}
	}
	if skipped == 0 || adapted == 0 {
		t.Errorf("skipped %d cross-user rows and adapted %d wildcard rows; want some of each", skipped, adapted)
	}
}

// TestMatrixCrossUserMatchesChildProcess backs the matrix's shortcut for the
// other user (a socket created under fsuid 65534 by the probe itself) with
// the real thing: a child process running as uid 65534 tries the second
// socket of every cross-user case, and must get the matrix's result.
func TestMatrixCrossUserMatchesChildProcess(t *testing.T) {
	requireRoot(t)
	rep, err := Matrix(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]string{}
	for _, r := range rep.Rows {
		results[r.Case] = r.Result
	}
	checked := 0
	for _, c := range unixCases() {
		if !c.Second.Other || c.First.Other {
			continue
		}
		inNetns(t, func() {
			port := freePort(t)
			if c.TimeWait {
				if err := makeTimeWait(c.First.ip(), port, c.First.Opts, -1); err != nil {
					t.Fatal(err)
				}
			} else {
				first, err := openBound(c.First, port, -1, true)
				if err != nil {
					t.Fatal(err)
				}
				defer first.close()
			}
			second := holdSpec{proto: c.Second.Proto, addr: c.Second.ip(), port: port, opts: c.Second.Opts, listen: c.Second.Listen}
			if got, want := tryAs(t, nobodyUID, second), results[c.name()]; got != want {
				t.Errorf("%s: a uid %d process got %q, the matrix %q", c.name(), nobodyUID, got, want)
			}
			checked++
		})
	}
	if checked < 8 {
		t.Errorf("checked only %d cross-user cases", checked)
	}
}

func BenchmarkMatrix(b *testing.B) {
	for b.Loop() {
		if _, err := Matrix(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// trafficCounts parses a row's Traffic ("127.0.0.1: first 0, second 20;
// ::1: ...") into per-target counts.
func trafficCounts(t *testing.T, traffic string) map[string][2]int {
	t.Helper()
	out := map[string][2]int{}
	for part := range strings.SplitSeq(traffic, "; ") {
		var first, second int
		target, counts, ok := strings.Cut(part, ": ")
		if !ok {
			t.Fatalf("traffic %q", traffic)
		}
		if _, err := fmt.Sscanf(counts, "first %d, second %d", &first, &second); err != nil {
			t.Fatalf("traffic %q: %v", traffic, err)
		}
		out[target] = [2]int{first, second}
	}
	return out
}

// TestMatrixTextsMatchTheKernel holds every Linux row's text to what the
// kernel did in that run: each names the kernel function that decides it,
// SO_REUSEPORT's uid rule is blamed only where a socket sets SO_REUSEPORT, and each claim about
// where traffic goes must be what the counts show.
func TestMatrixTextsMatchTheKernel(t *testing.T) {
	requireRoot(t)
	rep, err := Matrix(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	kernelFunc := regexp.MustCompile(`\b[a-z0-9_]+\(\)`)
	cases := map[string]matrixCase{}
	for _, c := range unixCases() {
		cases[c.name()] = c
	}
	for _, r := range rep.Rows {
		c := cases[r.Case]
		text := r.Documented
		if !kernelFunc.MatchString(text) {
			t.Errorf("%s: names no kernel function: %q", r.Case, text)
		}
		usesRP := c.First.Opts.ReusePort || c.Second.Opts.ReusePort
		if !usesRP && strings.Contains(text, "SO_REUSEPORT") && strings.Contains(text, "uid") {
			t.Errorf("%s: blames SO_REUSEPORT's uid rule, but neither socket sets SO_REUSEPORT: %q", r.Case, text)
		}
		if r.Traffic == "" {
			continue
		}
		got := trafficCounts(t, r.Traffic)
		v4 := got["127.0.0.1"]
		switch {
		case strings.Contains(text, "last bound socket receives all"), strings.Contains(text, "bound last, receives all"):
			if v4[0] != 0 || v4[1] != trafficPerTarget {
				t.Errorf("%s: says the last bound gets all, traffic %s", r.Case, r.Traffic)
			}
		case strings.Contains(text, "hashed"):
			for target, n := range got {
				if n[0] == 0 || n[1] == 0 {
					t.Errorf("%s: says hashed, but %s went to one socket: %s", r.Case, target, r.Traffic)
				}
			}
		case strings.Contains(text, "IPv4 goes to the AF_INET socket"):
			afInet := 0 // which side is the AF_INET socket
			if !c.Second.ip().Is6() {
				afInet = 1
			}
			if v4[afInet] != trafficPerTarget {
				t.Errorf("%s: says IPv4 goes to the AF_INET socket, traffic %s", r.Case, r.Traffic)
			}
		case strings.Contains(text, "specific socket receives all"), strings.Contains(text, "specific socket gets all"):
			specific := 0
			if !c.Second.ip().IsUnspecified() {
				specific = 1
			}
			if v4[specific] != trafficPerTarget {
				t.Errorf("%s: says the specific socket gets all, traffic %s", r.Case, r.Traffic)
			}
		}
	}
}
