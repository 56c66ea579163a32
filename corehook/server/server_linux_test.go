//go:build linux

package server

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quirkcheck/quirk/corehook"
	"github.com/quirkcheck/quirk/corehook/coresock"
	"github.com/quirkcheck/quirk/corehook/internal/fakekernel"
	"github.com/quirkcheck/quirk/corehook/internal/synthcore"
)

// anyPeer identifies the fake kernel (this very process) without insisting
// on PIDFD_COREDUMPED, which only a real dump has.
func anyPeer(c *net.UnixConn) (*coresock.Peer, error) { return coresock.PeerOf(c) }

type rig struct {
	t     *testing.T
	store string
	srv   *Server
	mu    sync.Mutex
	logs  []string
}

func newRig(t *testing.T, opts Options) *rig {
	dir := t.TempDir()
	r := &rig{t: t, store: filepath.Join(dir, "store")}
	conf := filepath.Join(dir, "corehook.conf")
	if err := os.WriteFile(conf, []byte("Store = "+r.store+"\nCompress = no\nMaxUse = infinity\nKeepFree = 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.Config = conf
	if opts.Verify == nil {
		opts.Verify = anyPeer
	}
	opts.Log = func(s string) {
		r.mu.Lock()
		r.logs = append(r.logs, s)
		r.mu.Unlock()
	}
	r.srv = New(opts)
	return r
}

func (r *rig) log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.logs, "\n")
}

// crash plays k against the server and returns what the kernel saw.
func (r *rig) crash(k fakekernel.Kernel) fakekernel.Result {
	r.t.Helper()
	s, kc, err := fakekernel.Pair()
	if err != nil {
		r.t.Fatal(err)
	}
	ch := make(chan fakekernel.Result, 1)
	go func() { ch <- k.Run(kc) }()
	r.srv.ServeConn(s)
	select {
	case res := <-ch:
		return res
	case <-time.After(20 * time.Second):
		r.t.Fatal("the fake kernel is still waiting after the server finished")
	}
	return fakekernel.Result{}
}

func (r *rig) stored() []corehook.Entry {
	r.t.Helper()
	es, err := corehook.List(r.store)
	if err != nil {
		r.t.Fatal(err)
	}
	return es
}

func core(t *testing.T) []byte {
	var b bytes.Buffer
	if _, err := synthcore.Write(&b, synthcore.Spec{PID: 42, Signal: 11, Comm: "crasher", ExePath: "/bin/crasher", BuildID: []byte{1, 2, 3, 4},
		Mappings: []synthcore.Mapping{{Size: 64 << 10, Fill: synthcore.Zeros(64 << 10)}}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestServeKernelWaitStores(t *testing.T) {
	r := newRig(t, Options{})
	c := core(t)
	res := r.crash(fakekernel.Default(c))
	if res.Err != nil || res.Mark != 0 || !res.Dumped || !res.Held {
		t.Fatalf("kernel saw %+v", res)
	}
	if got := coresock.Describe(uint64(res.Ack[8])); got != "KERNEL|WAIT" {
		t.Errorf("ack mask %s, want KERNEL|WAIT", got)
	}
	es := r.stored()
	if len(es) != 1 {
		t.Fatalf("%d stored crashes, log:\n%s", len(es), r.log())
	}
	m := es[0].Meta
	if m.PID != os.Getpid() || m.UID != uint32(os.Getuid()) || !m.Pidfd || !m.ProcVerified {
		t.Errorf("meta pid %d uid %d pidfd %v verified %v (%s)", m.PID, m.UID, m.Pidfd, m.ProcVerified, m.RootOnlyWhy)
	}
	if m.Signal != 11 || m.Size != int64(len(c)) || m.Truncated {
		t.Errorf("signal %d size %d/%d truncated %v", m.Signal, m.Size, len(c), m.Truncated)
	}
	out := filepath.Join(t.TempDir(), "core")
	if err := corehook.Dump(&m, out); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); !bytes.Equal(b, c) {
		t.Error("the stored core differs from what the kernel sent")
	}
	if st := r.srv.Stats(); st.Accepted != 1 || st.Stored != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestServeBiggerRequest(t *testing.T) {
	r := newRig(t, Options{})
	k := fakekernel.Default(core(t))
	k.ReqSize, k.SizeAck, k.AckMax, k.Mask = 32, 24, 24, 0x7f
	if res := r.crash(k); !res.Dumped || len(res.Ack) != 16 {
		t.Fatalf("kernel saw %+v", res)
	}
	if len(r.stored()) != 1 {
		t.Fatalf("not stored; log:\n%s", r.log())
	}
}

// A kernel without WAIT in its offer gets KERNEL alone: asking for a flag
// it did not offer would be UNSUPPORTED and lose the dump.
func TestServeNoWaitOffered(t *testing.T) {
	r := newRig(t, Options{})
	k := fakekernel.Default(core(t))
	k.Mask = 0x7 // KERNEL|USERSPACE|REJECT
	if res := r.crash(k); !res.Dumped || res.Mark != 0 || res.Held {
		t.Fatalf("kernel saw %+v", res)
	}
}

func TestServeShortRequest(t *testing.T) {
	r := newRig(t, Options{})
	k := fakekernel.Default(core(t))
	k.ReqSize = 12
	if res := r.crash(k); res.Marked || res.Dumped {
		t.Fatalf("kernel saw %+v", res)
	}
	if len(r.stored()) != 0 || !strings.Contains(r.log(), "smaller than version 0") {
		t.Fatalf("log:\n%s", r.log())
	}
}

func TestServeBudgetRejects(t *testing.T) {
	r := newRig(t, Options{BudgetDumps: 1, BudgetWindow: time.Hour})
	if res := r.crash(fakekernel.Default(core(t))); !res.Dumped {
		t.Fatalf("first crash: %+v", res)
	}
	res := r.crash(fakekernel.Default(core(t)))
	if res.Dumped || res.Held || res.Mark != 0 || len(res.Ack) < 16 || res.Ack[8] != byte(coresock.FlagReject) {
		t.Fatalf("second crash: %+v", res)
	}
	if st := r.srv.Stats(); st.Rejected != 1 || st.Stored != 1 {
		t.Errorf("stats %+v", st)
	}
	if !strings.Contains(r.log(), "rejected (budget") {
		t.Errorf("log:\n%s", r.log())
	}
	// The rejected crash is still on record, without a core.
	rejected := 0
	for _, e := range r.stored() {
		if e.CorePath == "" && strings.HasPrefix(e.Dropped, "rejected: budget") && e.RootOnly {
			rejected++
		}
	}
	if rejected != 1 {
		t.Errorf("%d rejected crashes on record, want 1", rejected)
	}
}

func TestServeAllSlotsBusyRejects(t *testing.T) {
	r := newRig(t, Options{MaxDumps: 1, SlotWait: 50 * time.Millisecond})
	r.srv.slots <- struct{}{} // a dump in progress
	res := r.crash(fakekernel.Default(core(t)))
	if res.Dumped || res.Ack[8] != byte(coresock.FlagReject) {
		t.Fatalf("kernel saw %+v", res)
	}
	<-r.srv.slots
	if res := r.crash(fakekernel.Default(core(t))); !res.Dumped {
		t.Fatalf("after the slot freed: %+v", res)
	}
}

// The default verifier refuses an ordinary process: only the kernel's dump
// connection has PIDFD_COREDUMPED.
func TestServeImpostorRefused(t *testing.T) {
	r := newRig(t, Options{Verify: verifyKernel})
	res := r.crash(fakekernel.Default(core(t)))
	if res.Marked || res.Dumped {
		t.Fatalf("kernel saw %+v", res)
	}
	if len(r.stored()) != 0 || !strings.Contains(r.log(), "refused a connection: not a kernel coredump connection") {
		t.Fatalf("stored %d; log:\n%s", len(r.stored()), r.log())
	}
	if st := r.srv.Stats(); st.Refused != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestServeDeadClientMidDump(t *testing.T) {
	r := newRig(t, Options{})
	k := fakekernel.Default(core(t))
	k.DieAfter = 8192
	r.crash(k)
	es := r.stored()
	if len(es) != 1 || !es[0].Truncated || es[0].Size != 8192 {
		t.Fatalf("stored %+v; log:\n%s", es, r.log())
	}
}

func TestServeSilentKernelHitsStepTimeout(t *testing.T) {
	r := newRig(t, Options{StepTimeout: 100 * time.Millisecond})
	k := fakekernel.Default(nil)
	k.Silent = true
	start := time.Now()
	r.crash(k)
	if time.Since(start) > 5*time.Second || !strings.Contains(r.log(), "request") {
		t.Fatalf("took %v; log:\n%s", time.Since(start), r.log())
	}
}

// A crasher frozen mid-dump keeps its connection open: the idle deadline
// ends the stream and the partial core is kept, marked truncated.
func TestServeStalledStreamHitsIdleTimeout(t *testing.T) {
	r := newRig(t, Options{IdleTimeout: 200 * time.Millisecond})
	k := fakekernel.Default(core(t))
	k.DieAfter, k.Stall = 4096, true
	r.crash(k)
	es := r.stored()
	if len(es) != 1 || !es[0].Truncated || !strings.Contains(es[0].TruncatedWhy, "no data from the kernel") {
		t.Fatalf("stored %+v; log:\n%s", es, r.log())
	}
}

func TestServePlain(t *testing.T) {
	r := newRig(t, Options{Plain: true})
	k := fakekernel.Default(core(t))
	k.Plain = true
	if res := r.crash(k); !res.Dumped || res.Marked {
		t.Fatalf("kernel saw %+v", res)
	}
	if len(r.stored()) != 1 {
		t.Fatalf("log:\n%s", r.log())
	}
}

// Serve bounds the connections it holds and stops cleanly with its context.
func TestServeListenerBoundsConnections(t *testing.T) {
	r := newRig(t, Options{MaxConns: 1, StepTimeout: 2 * time.Second})
	sock := filepath.Join(t.TempDir(), "quirk", "corehook.sock")
	l, err := Listen("/proc", sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, %v", fi.Mode(), err)
	}
	ctx, cancel := contextWithCancel()
	done := make(chan error, 1)
	go func() { done <- r.srv.Serve(ctx, l) }()
	// The first connection stays silent and holds the only place.
	c1, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	time.Sleep(100 * time.Millisecond)
	c2, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	c2.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	if _, err := c2.Read(b[:]); err == nil {
		t.Fatal("the second connection was served past MaxConns")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	if st := r.srv.Stats(); st.Dropped != 1 {
		t.Errorf("stats %+v; log:\n%s", st, r.log())
	}
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}
