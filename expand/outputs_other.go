//go:build !linux

package expand

import (
	"bytes"
	"io"
	"os"
	"sync"
	"time"
)

// outputPipes are the pipes a sandboxed process writes its streams to,
// each read by a goroutine of its own (outputs_linux.go reads them all in
// one, paced).
type outputPipes struct {
	r, w []*os.File
	bufs []bytes.Buffer
	wg   sync.WaitGroup
}

func newOutputPipes(n int) (*outputPipes, error) {
	p := &outputPipes{bufs: make([]bytes.Buffer, n)}
	for range n {
		r, w, err := os.Pipe()
		if err != nil {
			p.cancel()
			return nil, err
		}
		p.r, p.w = append(p.r, r), append(p.w, w)
	}
	return p, nil
}

func (p *outputPipes) start() {
	for i, r := range p.r {
		p.wg.Go(func() {
			_, _ = io.Copy(&p.bufs[i], io.LimitReader(r, maxStream))
			_, _ = io.Copy(io.Discard, r)
		})
	}
}

func (p *outputPipes) closeWriters() {
	for _, w := range p.w {
		w.Close()
	}
}

func (p *outputPipes) collect(grace time.Duration) [][]byte {
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		for _, r := range p.r {
			r.Close()
		}
		<-done
	}
	out := make([][]byte, len(p.bufs))
	for i, r := range p.r {
		r.Close()
		out[i] = p.bufs[i].Bytes()
	}
	return out
}

func (p *outputPipes) cancel() {
	p.closeWriters()
	for _, r := range p.r {
		r.Close()
	}
}
