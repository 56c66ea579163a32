//go:build linux

package expand

import (
	"bytes"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// outputPipes are the pipes a sandboxed process writes its streams to.
//
// Their read ends stay out of Go's network poller, which a write wakes (a
// thread, a context switch on the other core) every time: a batch writes a
// record or two per case, thousands per batch, and those wake-ups cost
// quirk more CPU than everything else it does for the batch. One goroutine
// reads all of them instead: it waits in poll(2) for the first bytes, takes
// what has arrived, and sleeps collectPace before it looks again while the
// process runs, so the pipes are read once per pace, however many writes
// fill them meanwhile (the 64 KiB a pipe holds last a bash batch several
// milliseconds).
type outputPipes struct {
	fds     []int      // read ends, non-blocking
	w       []*os.File // write ends, for the process
	bufs    []bytes.Buffer
	done    chan struct{}
	abandon atomic.Bool
}

// collectPace is how long the reader lets writes pile up in the pipes.
const collectPace = 500 * time.Microsecond

func newOutputPipes(n int) (*outputPipes, error) {
	p := &outputPipes{bufs: make([]bytes.Buffer, n), done: make(chan struct{})}
	for range n {
		var fds [2]int
		if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
			p.cancel()
			return nil, err
		}
		if err := unix.SetNonblock(fds[0], true); err != nil {
			unix.Close(fds[0])
			unix.Close(fds[1])
			p.cancel()
			return nil, err
		}
		p.fds = append(p.fds, fds[0])
		p.w = append(p.w, os.NewFile(uintptr(fds[1]), "|1"))
	}
	return p, nil
}

// start begins reading, once the write ends are in the process's hands.
func (p *outputPipes) start() { go p.read() }

func (p *outputPipes) read() {
	defer close(p.done)
	eof := make([]bool, len(p.fds))
	open := len(p.fds)
	buf := make([]byte, 64<<10)
	pfds := make([]unix.PollFd, 0, len(p.fds))
	for open > 0 && !p.abandon.Load() {
		pfds = pfds[:0]
		for i, fd := range p.fds {
			if !eof[i] {
				pfds = append(pfds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
			}
		}
		// A timeout, so that abandon is seen when a leftover process
		// holds a write end open and writes nothing.
		if _, err := unix.Poll(pfds, 50); err != nil && err != unix.EINTR {
			return
		}
		got := false
		for i, fd := range p.fds {
			for !eof[i] {
				n, err := unix.Read(fd, buf)
				if n > 0 {
					got = true
					// Only maxStream is kept: a runaway case cannot
					// exhaust quirk's memory; the rest is drained.
					if room := maxStream - p.bufs[i].Len(); room > 0 {
						p.bufs[i].Write(buf[:min(n, room)])
					}
					continue
				}
				if err == unix.EINTR {
					continue
				}
				if err != unix.EAGAIN {
					eof[i] = true // 0 bytes: every writer is gone
					open--
				}
				break
			}
		}
		if got && open > 0 {
			time.Sleep(collectPace)
		}
	}
}

// closeWriters closes quirk's copies of the write ends after the start.
func (p *outputPipes) closeWriters() {
	for _, w := range p.w {
		w.Close()
	}
}

// collect waits until every stream has ended, or grace has passed (a
// process that escaped the kill holds a write end), and returns what was
// read of each.
func (p *outputPipes) collect(grace time.Duration) [][]byte {
	select {
	case <-p.done:
	case <-time.After(grace):
		p.abandon.Store(true)
		<-p.done
	}
	p.closeAll()
	out := make([][]byte, len(p.bufs))
	for i := range p.bufs {
		out[i] = p.bufs[i].Bytes()
	}
	return out
}

// cancel closes the pipes of a process that never started (start was
// not called).
func (p *outputPipes) cancel() {
	p.closeWriters()
	p.closeAll()
}

func (p *outputPipes) closeAll() {
	for _, fd := range p.fds {
		unix.Close(fd)
	}
	p.fds = nil
}
