package server

import (
	"sync"
	"time"
)

// budget admits at most Max dumps in any Window: a crash storm past it is
// answered with REJECT, which releases each crasher at once instead of
// queueing them all behind the disk. A zero Max admits everything.
type budget struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	starts []time.Time // admitted dumps within the window, oldest first
	now    func() time.Time
}

func newBudget(max int, window time.Duration) *budget {
	return &budget{max: max, window: window, now: time.Now}
}

// take admits one dump, or reports that the budget is spent.
func (b *budget) take() bool {
	if b.max <= 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	keep := b.starts[:0]
	for _, t := range b.starts {
		if now.Sub(t) < b.window {
			keep = append(keep, t)
		}
	}
	b.starts = keep
	if len(b.starts) >= b.max {
		return false
	}
	b.starts = append(b.starts, now)
	return true
}
