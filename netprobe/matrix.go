package netprobe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// side is one of the two sockets of a matrix case.
type side struct {
	Proto  string // "tcp" or "udp"
	Addr   string // "127.0.0.1", "0.0.0.0", "::", "::1"
	Opts   sockOpts
	Listen bool // TCP: listen after bind
	Other  bool // owned by uid 65534 instead of the caller
}

func (s side) ip() netip.Addr { return netip.MustParseAddr(s.Addr) }

func (s side) String() string {
	var b strings.Builder
	b.WriteString(s.Proto)
	if s.Listen {
		b.WriteString(" listener")
	}
	if s.ip().Is6() {
		fmt.Fprintf(&b, " [%s]", s.Addr)
	} else {
		fmt.Fprintf(&b, " %s", s.Addr)
	}
	if s.ip().Is6() && s.Opts.V6Only >= 0 {
		fmt.Fprintf(&b, " v6only=%d", s.Opts.V6Only)
	}
	fmt.Fprintf(&b, " %s", s.Opts)
	if s.Other {
		fmt.Fprintf(&b, " as uid %d", nobodyUID)
	}
	return b.String()
}

// matrixCase is one row of the matrix: the first socket is opened and kept,
// then the second tries to bind (and listen) on the same port.
type matrixCase struct {
	Group      string
	First      side
	Second     side
	TimeWait   bool // the first socket is the TIME_WAIT remnant of a connection accepted by First
	LateListen bool // bind both sockets, then listen on both
	// What the documentation says, per system family.
	Linux, BSD, Windows string
}

func (c matrixCase) name() string {
	switch {
	case c.TimeWait:
		return fmt.Sprintf("TIME_WAIT left by a %s → %s", c.First, c.Second)
	case c.LateListen:
		return fmt.Sprintf("%s, then %s, then listen on both", c.First, c.Second)
	}
	return fmt.Sprintf("%s → %s", c.First, c.Second)
}

func (c matrixCase) documented() string {
	switch runtime.GOOS {
	case "linux", "android":
		return c.Linux
	case "windows":
		return c.Windows
	case "darwin", "ios", "freebsd", "netbsd", "openbsd", "dragonfly":
		return c.BSD
	}
	return ""
}

func (c matrixCase) crossUser() bool { return c.First.Other || c.Second.Other }

// Row is one probed case.
type Row struct {
	Group string `json:"group"`
	Case  string `json:"case"`
	// Result is "ok", or the errno of the failing step, e.g. "EADDRINUSE"
	// or "listen: EADDRINUSE", or "skipped".
	Result     string `json:"result"`
	Documented string `json:"documented"`
	// Agrees tells whether Result is what Documented predicts: "yes",
	// "no", "n/a" when the probe had to differ from the documented case,
	// or "" when the row was not probed.
	Agrees string `json:"agrees,omitempty"`
	// Takes says whether the second socket takes traffic meant for the
	// first: "yes", "no", or "unmeasured".
	Takes   string `json:"takes"`
	Traffic string `json:"traffic,omitempty"` // who received what, per loopback target
	Note    string `json:"note,omitempty"`
}

// MatrixReport is the result of Matrix.
type MatrixReport struct {
	OS       string `json:"os"`
	Isolated bool   `json:"isolated"` // ran in a private network namespace
	// CrossUser reports whether the cases with a second uid ran.
	CrossUser bool   `json:"cross_user"`
	Elapsed   string `json:"elapsed"`
	Rows      []Row  `json:"rows"`
}

// trafficPerTarget is how many connections or datagrams each probe sends to
// each loopback address. Twenty makes a 50/50 hash leave one socket empty
// with probability 2^-19.
const trafficPerTarget = 20

// Matrix probes every case that applies to this system, in a private network
// namespace when it can make one (Linux, root), otherwise on loopback in the
// host's namespace, where wildcard sockets are bound but never listen.
func Matrix(ctx context.Context) (*MatrixReport, error) {
	start := time.Now()
	rep := &MatrixReport{OS: runtime.GOOS}
	probe := func(isolated bool) error {
		rep.Isolated = isolated
		rep.CrossUser = isolated && runtime.GOOS == "linux" && os.Geteuid() == 0
		for _, c := range matrixCases() {
			if err := ctx.Err(); err != nil {
				return err
			}
			row := runCase(c, isolated, rep.CrossUser)
			if row.Agrees == "" && row.Result != "skipped" && !strings.HasPrefix(row.Result, "setup:") && row.Documented != "" {
				row.Agrees = "no"
				if strings.HasPrefix(row.Documented, row.Result) {
					row.Agrees = "yes"
				}
			}
			rep.Rows = append(rep.Rows, row)
		}
		return nil
	}
	err := inPrivateNetns(func() error { return probe(true) })
	if errors.Is(err, errNotIsolated) {
		err = probe(false)
	}
	if err != nil {
		return nil, err
	}
	rep.Elapsed = time.Since(start).Round(time.Millisecond).String()
	return rep, nil
}

func runCase(c matrixCase, isolated, crossUser bool) Row {
	row := Row{Group: c.Group, Case: c.name(), Documented: c.documented(), Takes: "no"}
	if c.crossUser() && !crossUser {
		row.Result, row.Takes = "skipped", "unmeasured"
		row.Note = "needs root on Linux (a private network namespace and a socket owned by uid 65534)"
		return row
	}
	// Outside a private namespace a wildcard socket would accept from the
	// whole network, so it is only bound.
	first, second := c.First, c.Second
	if !isolated {
		for _, s := range []*side{&first, &second} {
			if s.Listen && s.ip().IsUnspecified() {
				s.Listen = false
				if c.Group == "windows-bind" {
					// Microsoft's table documents bind() results, which a
					// bound socket gives as well as a listener: judged.
					row.Note = "wildcard socket bound but not listening (Microsoft's table is about binds)"
					continue
				}
				row.Note = "wildcard socket bound but not listening: no private network namespace"
				row.Agrees = "n/a" // the documented case is about listeners
			}
		}
	}
	uid := func(s side) int {
		if s.Other {
			return nobodyUID
		}
		return -1
	}
	port, err := pickPort()
	if err != nil {
		row.Result, row.Takes = "setup: "+err.Error(), "unmeasured"
		return row
	}

	var a *probeSocket
	if c.TimeWait {
		if err := makeTimeWait(first.ip(), port, first.Opts, uid(first)); err != nil {
			row.Result, row.Takes = "setup: "+err.Error(), "unmeasured"
			return row
		}
		if n, err := countTimeWait(port); err == nil && n == 0 {
			row.Result, row.Takes = "setup: no TIME_WAIT socket was left", "unmeasured"
			return row
		}
	} else {
		a, err = openBound(first, port, uid(first), !c.LateListen)
		if err != nil {
			row.Result, row.Takes = "setup: "+err.Error(), "unmeasured"
			return row
		}
		defer a.close()
	}

	b, err := openSocket(second.Proto, second.ip(), second.Opts, uid(second))
	if err != nil {
		row.Result, row.Takes = "setup: "+err.Error(), "unmeasured"
		return row
	}
	defer b.close()
	if err := b.bind(port); err != nil {
		row.Result = errnoName(err)
		return row
	}
	if c.LateListen {
		if err := a.listen(); err != nil {
			row.Result = "first listen: " + errnoName(err)
			return row
		}
	}
	if second.Listen {
		if err := b.listen(); err != nil {
			row.Result = "listen: " + errnoName(err)
			return row
		}
	}
	row.Result = "ok"
	switch {
	case c.TimeWait:
		row.Note = "the first socket is closed; TIME_WAIT receives nothing"
	case first.Proto == "tcp" && (!first.Listen && !c.LateListen || !second.Listen):
		row.Takes = "unmeasured"
	default:
		row.Takes, row.Traffic = measure(a, b, first, second, port)
	}
	return row
}

// openBound opens, binds and, if asked and the side says so, listens.
func openBound(s side, port uint16, uid int, listen bool) (*probeSocket, error) {
	p, err := openSocket(s.Proto, s.ip(), s.Opts, uid)
	if err != nil {
		return nil, err
	}
	if err := p.bind(port); err != nil {
		p.close()
		return nil, fmt.Errorf("first bind: %s", errnoName(err))
	}
	if listen && s.Listen {
		if err := p.listen(); err != nil {
			p.close()
			return nil, fmt.Errorf("first listen: %s", errnoName(err))
		}
	}
	return p, nil
}

// reach lists the loopback addresses whose traffic a socket can receive.
func reach(s side, v6only bool) []netip.Addr {
	a := s.ip()
	switch {
	case a == netip.IPv4Unspecified():
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	case a == netip.IPv6Unspecified() && v6only:
		return []netip.Addr{netip.IPv6Loopback()}
	case a == netip.IPv6Unspecified():
		return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}
	}
	return []netip.Addr{a}
}

// measure sends traffic to every loopback address either socket can receive
// and reports whether the second socket got any that the first could have
// received, or, when it belongs to another user, any "localhost" traffic.
func measure(a, b *probeSocket, first, second side, port uint16) (takes, traffic string) {
	ra := reach(first, socketV6Only(a))
	targets := slices.Clone(ra)
	for _, t := range reach(second, socketV6Only(b)) {
		if !slices.Contains(targets, t) {
			targets = append(targets, t)
		}
	}
	count := countTCP
	if first.Proto == "udp" {
		count = countUDP
	}
	takes = "no"
	var parts []string
	for _, t := range targets {
		got, err := count(t, port, trafficPerTarget, []*probeSocket{a, b})
		if err != nil {
			if errors.Is(err, errNotMeasuredHere) {
				return "unmeasured", ""
			}
			parts = append(parts, fmt.Sprintf("%s: %v", t, err))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: first %d, second %d", t, got[0], got[1]))
		if got[1] > 0 && slices.Contains(ra, t) {
			takes = "yes"
		}
		// "localhost" is both 127.0.0.1 and ::1: another user's socket
		// on the loopback address of the other family takes the clients
		// that try that one first, which is the v4/v6 hijack.
		if got[1] > 0 && second.Other && t.IsLoopback() && !slices.Contains(ra, t) && slices.ContainsFunc(ra, netip.Addr.IsLoopback) {
			takes = "yes"
		}
	}
	return takes, strings.Join(parts, "; ")
}
