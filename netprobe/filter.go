package netprobe

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Filter selects sockets with an expression in the style of ss(8)'s:
//
//	sport = :53            local port (also ==, !=, <, <=, >, >=, eq, ne, lt, le, gt, ge)
//	dport != 4000          remote port of a connected UDP socket
//	src 127.0.0.1          local address; ADDR, ADDR/PREFIX, [ADDR]:PORT or ADDR:PORT
//	dst 10.0.0.0/8         remote address (only connected UDP sockets have one)
//	tcp, udp               protocol
//	dev eth0               bound device
//	uid = 0                owner
//
// joined with "and" (or nothing), "or", "not"/"!" and parentheses. Scan
// results keep the sockets that match and the findings that involve one.
type Filter struct {
	root filterNode
}

type filterNode interface{ match(*Socket) bool }

type (
	orNode  []filterNode
	andNode []filterNode
	notNode struct{ n filterNode }
	condFn  func(*Socket) bool
)

func (n orNode) match(s *Socket) bool {
	for _, c := range n {
		if c.match(s) {
			return true
		}
	}
	return false
}

func (n andNode) match(s *Socket) bool {
	for _, c := range n {
		if !c.match(s) {
			return false
		}
	}
	return true
}

func (n notNode) match(s *Socket) bool { return !n.n.match(s) }
func (f condFn) match(s *Socket) bool  { return f(s) }

// Match reports whether s passes the filter; a nil Filter passes all.
func (f *Filter) Match(s *Socket) bool { return f == nil || f.root.match(s) }

// ParseFilter parses the words of a filter expression (the operands of
// `quirk netprobe scan`, as ss takes them). No words: nil, which matches all.
func ParseFilter(words []string) (*Filter, error) {
	var toks []string
	for _, w := range words {
		// "(sport=:53)" arrives as one word when typed without spaces.
		toks = append(toks, filterTokens.FindAllString(w, -1)...)
	}
	if len(toks) == 0 {
		return nil, nil
	}
	p := &filterParser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("filter: unexpected %q", p.toks[p.i])
	}
	return &Filter{root: n}, nil
}

// filterTokens splits words into parentheses, operators and the rest.
var filterTokens = regexp.MustCompile(`[()]|[!=<>]=|==|[=<>!]|[^\s()!=<>]+`)

type filterParser struct {
	toks []string
	i    int
}

func (p *filterParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *filterParser) next() (string, error) {
	if p.i >= len(p.toks) {
		return "", fmt.Errorf("filter: incomplete expression %q", strings.Join(p.toks, " "))
	}
	p.i++
	return p.toks[p.i-1], nil
}

func (p *filterParser) or() (filterNode, error) {
	var alts orNode
	for {
		n, err := p.and()
		if err != nil {
			return nil, err
		}
		alts = append(alts, n)
		if t := p.peek(); t != "or" && t != "||" {
			break
		}
		p.i++
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return alts, nil
}

func (p *filterParser) and() (filterNode, error) {
	var all andNode
	for {
		n, err := p.factor()
		if err != nil {
			return nil, err
		}
		all = append(all, n)
		switch t := p.peek(); t {
		case "and", "&&":
			p.i++
			continue
		case "", "or", "||", ")":
		default:
			continue // juxtaposition means "and", as in ss
		}
		break
	}
	if len(all) == 1 {
		return all[0], nil
	}
	return all, nil
}

func (p *filterParser) factor() (filterNode, error) {
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	switch t {
	case "not", "!":
		n, err := p.factor()
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	case "(":
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if c, _ := p.next(); c != ")" {
			return nil, fmt.Errorf("filter: missing )")
		}
		return n, nil
	case "tcp", "udp":
		return condFn(func(s *Socket) bool { return s.Proto == t }), nil
	case "sport", "dport":
		op, n, err := p.comparison()
		if err != nil {
			return nil, err
		}
		if t == "sport" {
			return condFn(func(s *Socket) bool { return op(int64(s.Port), n) }), nil
		}
		return condFn(func(s *Socket) bool {
			peer := s.peerAddrPort()
			return peer.IsValid() && op(int64(peer.Port()), n)
		}), nil
	case "uid":
		op, n, err := p.comparison()
		if err != nil {
			return nil, err
		}
		return condFn(func(s *Socket) bool { return op(int64(s.UID), n) }), nil
	case "src", "dst":
		if p.peek() == "=" || p.peek() == "==" {
			p.i++
		}
		w, err := p.next()
		if err != nil {
			return nil, err
		}
		m, err := addrMatcher(w)
		if err != nil {
			return nil, err
		}
		if t == "src" {
			return condFn(func(s *Socket) bool { return m(s.ip(), s.Port) }), nil
		}
		return condFn(func(s *Socket) bool {
			peer := s.peerAddrPort()
			return peer.IsValid() && m(peer.Addr(), peer.Port())
		}), nil
	case "dev":
		if p.peek() == "=" || p.peek() == "==" {
			p.i++
		}
		name, err := p.next()
		if err != nil {
			return nil, err
		}
		return condFn(func(s *Socket) bool { return s.Device == name }), nil
	}
	return nil, fmt.Errorf("filter: unknown word %q (want sport, dport, src, dst, tcp, udp, dev, uid, and, or, not)", t)
}

// comparison reads "OP N" (OP optional: "=") with N a number or ":N".
func (p *filterParser) comparison() (func(a, b int64) bool, int64, error) {
	ops := map[string]func(a, b int64) bool{
		"=": func(a, b int64) bool { return a == b }, "==": func(a, b int64) bool { return a == b }, "eq": func(a, b int64) bool { return a == b },
		"!=": func(a, b int64) bool { return a != b }, "ne": func(a, b int64) bool { return a != b },
		"<": func(a, b int64) bool { return a < b }, "lt": func(a, b int64) bool { return a < b },
		"<=": func(a, b int64) bool { return a <= b }, "le": func(a, b int64) bool { return a <= b },
		">": func(a, b int64) bool { return a > b }, "gt": func(a, b int64) bool { return a > b },
		">=": func(a, b int64) bool { return a >= b }, "ge": func(a, b int64) bool { return a >= b },
	}
	t, err := p.next()
	if err != nil {
		return nil, 0, err
	}
	op, ok := ops[t]
	if ok {
		if t, err = p.next(); err != nil {
			return nil, 0, err
		}
	} else {
		op = ops["="]
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(t, ":"), 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("filter: bad number %q", t)
	}
	return op, n, nil
}

// addrMatcher parses ADDR, ADDR/PREFIX, ADDR:PORT, [ADDR]:PORT or :PORT.
func addrMatcher(w string) (func(netip.Addr, uint16) bool, error) {
	if ap, err := netip.ParseAddrPort(w); err == nil {
		a := ap.Addr().Unmap()
		return func(x netip.Addr, port uint16) bool { return x.Unmap() == a && port == ap.Port() }, nil
	}
	if strings.HasPrefix(w, ":") {
		n, err := strconv.ParseUint(w[1:], 10, 16)
		if err != nil {
			return nil, fmt.Errorf("filter: bad port %q", w)
		}
		return func(_ netip.Addr, port uint16) bool { return port == uint16(n) }, nil
	}
	if pfx, err := netip.ParsePrefix(w); err == nil {
		return func(x netip.Addr, _ uint16) bool { return pfx.Contains(x.Unmap()) }, nil
	}
	if a, err := netip.ParseAddr(strings.Trim(w, "[]")); err == nil {
		a = a.Unmap()
		return func(x netip.Addr, _ uint16) bool { return x.Unmap() == a }, nil
	}
	return nil, fmt.Errorf("filter: bad address %q", w)
}

// Apply keeps the sockets that match f and the findings that involve at
// least one of them. Findings are computed before filtering, on every
// socket: a takeover on port 53 needs all of port 53's sockets.
func (r *ScanResult) Apply(f *Filter) {
	if f == nil {
		return
	}
	keep := r.Sockets[:0]
	for i := range r.Sockets {
		if f.Match(&r.Sockets[i]) {
			keep = append(keep, r.Sockets[i])
		}
	}
	r.Sockets = keep
	fs := r.Findings[:0]
	for _, fd := range r.Findings {
		for i := range fd.Sockets {
			if f.Match(&fd.Sockets[i]) {
				fs = append(fs, fd)
				break
			}
		}
	}
	r.Findings = fs
}
