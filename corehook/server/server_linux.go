//go:build linux

// Package server is "quirk corehook serve": a long-lived process that takes
// cores from the kernel over the core_pattern socket ("@@" since Linux
// 6.17, "@" since 6.16) instead of being exec'ed for every crash.
//
// Each connection is checked to come from the kernel's dump (the pidfd's
// PIDFD_COREDUMPED), its crasher described from the pidfd and /proc while
// the kernel waits for the ack, then either acked KERNEL|WAIT and streamed
// into the store by the same code the pipe handler uses, or acked REJECT
// when the dump budget is spent. Every step has a deadline, and only a
// bounded number of dumps stream at once.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/quirkcheck/quirk/corehook"
	"github.com/quirkcheck/quirk/corehook/coresock"
)

// Options configures a Server. Zero values pick the defaults.
type Options struct {
	Config, Store string // passed to the handler as -c and -s would be
	ProcRoot      string // "/proc"
	// Plain: the pattern is "@" (no handshake; the kernel writes the core
	// at once). Otherwise the "@@" request protocol is spoken.
	Plain bool
	// MaxDumps is how many cores stream at once (4); a connection waits
	// SlotWait (10 s) for a slot, then is rejected.
	MaxDumps int
	SlotWait time.Duration
	// MaxConns bounds connections in any phase (256); past it a connection
	// is closed unanswered (the kernel drops that dump).
	MaxConns int
	// Budget admits at most BudgetDumps dumps per BudgetWindow (64 per
	// minute); a storm past it is rejected. Negative: no budget.
	BudgetDumps  int
	BudgetWindow time.Duration
	// StepTimeout bounds each handshake step and the /proc reads (5 s);
	// IdleTimeout ends a stream when the kernel sends nothing for that long
	// (60 s); DumpTimeout bounds a whole dump (30 min).
	StepTimeout, IdleTimeout, DumpTimeout time.Duration
	// Verify identifies the peer; the default requires a kernel coredump
	// connection (coresock.PeerOf, then Peer.KernelDump). Tests replace it.
	Verify func(*net.UnixConn) (*coresock.Peer, error)
	// Log receives one line per connection; nil logs nothing.
	Log func(string)
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Server serves one listening socket.
type Server struct {
	o      Options
	slots  chan struct{}
	conns  chan struct{}
	budget *budget
	wg     sync.WaitGroup

	mu    sync.Mutex
	stats Stats
}

// Stats counts what the server did.
type Stats struct {
	Accepted, Refused, Rejected, Stored, Failed, Dropped int
}

// New returns a server with opts.
func New(opts Options) *Server {
	if opts.ProcRoot == "" {
		opts.ProcRoot = "/proc"
	}
	if opts.MaxDumps <= 0 {
		opts.MaxDumps = 4
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 256
	}
	if opts.SlotWait <= 0 {
		opts.SlotWait = 10 * time.Second
	}
	if opts.BudgetDumps == 0 {
		opts.BudgetDumps = 64
	}
	if opts.BudgetWindow <= 0 {
		opts.BudgetWindow = time.Minute
	}
	if opts.StepTimeout <= 0 {
		opts.StepTimeout = 5 * time.Second
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = time.Minute
	}
	if opts.DumpTimeout <= 0 {
		opts.DumpTimeout = 30 * time.Minute
	}
	if opts.Verify == nil {
		opts.Verify = verifyKernel
	}
	if opts.Log == nil {
		opts.Log = func(string) {}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{
		o:      opts,
		slots:  make(chan struct{}, opts.MaxDumps),
		conns:  make(chan struct{}, opts.MaxConns),
		budget: newBudget(max(opts.BudgetDumps, 0), opts.BudgetWindow),
	}
}

func verifyKernel(c *net.UnixConn) (*coresock.Peer, error) {
	p, err := coresock.PeerOf(c)
	if err != nil {
		return nil, err
	}
	if err := p.KernelDump(); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func (s *Server) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// Serve accepts connections until ctx ends (it then closes l and waits for
// the dumps in progress) or l fails.
func (s *Server) Serve(ctx context.Context, l *net.UnixListener) error {
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	defer s.wg.Wait()
	for {
		c, err := l.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		select {
		case s.conns <- struct{}{}:
		default:
			s.count(func(st *Stats) { st.Dropped++ })
			s.o.Log(fmt.Sprintf("dropped a connection: %d already open", s.o.MaxConns))
			c.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() { <-s.conns }()
			s.ServeConn(c)
		}()
	}
}

// ServeConn handles one kernel connection and closes it.
func (s *Server) ServeConn(c *net.UnixConn) {
	accepted := s.o.Now()
	// Closing releases the crasher; the handler may do it from its stream
	// goroutine, the deferred call from this one.
	var once sync.Once
	release := func() { once.Do(func() { c.Close() }) }
	defer release()
	peer, err := s.o.Verify(c)
	if err != nil {
		s.count(func(st *Stats) { st.Refused++ })
		s.o.Log("refused a connection: " + err.Error())
		return
	}
	defer peer.Close()
	step := func() { c.SetDeadline(s.o.Now().Add(s.o.StepTimeout)) }
	var req coresock.Request
	if !s.o.Plain {
		step()
		if req, err = coresock.ReadRequest(c); err != nil {
			s.fail(peer, "request", err)
			return
		}
	}
	// The kernel holds the crasher until it has our ack: describe it now.
	crash, rawLimit, perr := crashOf(s.o.ProcRoot, peer, accepted)
	who := fmt.Sprintf("pid %d (%s) uid %d", crash.GlobalPID, crash.Comm, crash.UID)
	admit, why := s.admit()
	if !admit {
		s.count(func(st *Stats) { st.Rejected++ })
		if s.o.Plain {
			// "@" has no way to say no: closing loses the dump, which is
			// what REJECT does too.
			s.o.Log(who + ": dropped (" + why + ")")
			return
		}
		ha := corehook.HandleArgs{Config: s.o.Config, Store: s.o.Store, Crash: crash, HavePidfd: true, RawLimit: rawLimit}
		if _, err := corehook.RecordRejected(corehook.HandleEnv{ProcRoot: s.o.ProcRoot, Pidfd: peer.Pidfd}, ha, why); err != nil {
			s.o.Log(who + ": recording the rejected crash: " + err.Error())
		}
		step()
		_, err := coresock.SendAck(c, req, coresock.FlagReject)
		if err == nil {
			err = coresock.ReadMark(c)
		}
		if err != nil {
			s.o.Log(who + ": rejecting (" + why + "): " + err.Error())
			return
		}
		s.o.Log(who + ": rejected (" + why + ")")
		return
	}
	defer func() { <-s.slots }()
	s.count(func(st *Stats) { st.Accepted++ })
	if !s.o.Plain {
		mask := coresock.FlagKernel
		if req.Mask&coresock.FlagWait != 0 {
			mask |= coresock.FlagWait
		}
		step()
		if _, err := coresock.SendAck(c, req, mask); err != nil {
			s.fail(peer, "ack", err)
			return
		}
		if err := coresock.ReadMark(c); err != nil {
			s.fail(peer, "mark", err)
			return
		}
	}
	c.SetDeadline(time.Time{})
	core := &idleReader{c: c, idle: s.o.IdleTimeout, end: accepted.Add(s.o.DumpTimeout), now: s.o.Now}
	ha := corehook.HandleArgs{Config: s.o.Config, Store: s.o.Store, Crash: crash, HavePidfd: true, RawLimit: rawLimit}
	env := corehook.HandleEnv{ProcRoot: s.o.ProcRoot, Release: release, Pidfd: peer.Pidfd, Now: s.o.Now}
	meta, _, herr := corehook.Handle(env, ha, core)
	line := who + ": "
	if perr != nil {
		line += "(/proc: " + perr.Error() + ") "
	}
	switch {
	case meta == nil:
	case meta.CorePath != "":
		line += fmt.Sprintf("%s, core %s, %d bytes", meta.SignalName, meta.CorePath, meta.Size)
	case meta.Dropped != "":
		line += meta.SignalName + ", core not stored (" + meta.Dropped + ")"
	}
	if meta != nil && meta.Truncated {
		line += ", truncated (" + meta.TruncatedWhy + ")"
	}
	if herr != nil {
		line += " error: " + herr.Error()
		s.count(func(st *Stats) { st.Failed++ })
	} else {
		s.count(func(st *Stats) { st.Stored++ })
	}
	s.o.Log(line)
}

func (s *Server) fail(peer *coresock.Peer, phase string, err error) {
	s.count(func(st *Stats) { st.Failed++ })
	s.o.Log(fmt.Sprintf("pid %d: %s: %v", peer.Info.Pid, phase, err))
}

// admit takes a dump slot, waiting up to SlotWait, and a unit of budget.
func (s *Server) admit() (bool, string) {
	if !s.budget.take() {
		return false, fmt.Sprintf("budget of %d dumps per %v spent", s.o.BudgetDumps, s.o.BudgetWindow)
	}
	t := time.NewTimer(s.o.SlotWait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return true, ""
	case <-t.C:
		return false, fmt.Sprintf("all %d dump slots busy for %v", s.o.MaxDumps, s.o.SlotWait)
	}
}

// idleReader ends a stream when the kernel goes quiet for idle, or at end.
type idleReader struct {
	c    net.Conn
	idle time.Duration
	end  time.Time
	now  func() time.Time
}

func (r *idleReader) Read(p []byte) (int, error) {
	d := r.now().Add(r.idle)
	if d.After(r.end) {
		d = r.end
	}
	r.c.SetReadDeadline(d)
	n, err := r.c.Read(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = fmt.Errorf("no data from the kernel for %v, or the dump ran past its time: %w", r.idle, err)
	}
	return n, err
}

var _ io.Reader = (*idleReader)(nil)
