//go:build linux && (amd64 || arm64)

package plock

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkUncontended: one Lock+Unlock of a free mutex. In the same run it times glibc's
// pthread_mutex_lock+unlock on the same robust pshared mutex (the C helper times itself over
// as many iterations) and flock(LOCK_EX)+flock(LOCK_UN), and reports both and the ratio.
func BenchmarkUncontended(b *testing.B) {
	path, mem := shared(b, 4096)
	m := At(mem, 0)
	Init(m)
	l := locker(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		l.Lock(ctx, m)
		l.Unlock(m)
	}
	b.StopTimer()
	goNs := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	n := max(b.N, 1_000_000)
	out := runPeer(b, "cpeer", path, 0, "bench", strconv.Itoa(n))
	glibcNs, err := strconv.ParseFloat(strings.TrimPrefix(out[len(out)-1], "ns/op "), 64)
	if err != nil {
		b.Fatalf("C helper: %q", out)
	}
	f, err := os.Create(filepath.Join(b.TempDir(), "flock"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fn := min(n, 200_000)
	t0 := time.Now()
	for range fn {
		syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	flockNs := float64(time.Since(t0).Nanoseconds()) / float64(fn)
	b.ReportMetric(glibcNs, "glibc-ns/op")
	b.ReportMetric(flockNs, "flock-ns/op")
	b.ReportMetric(goNs/glibcNs, "x-glibc")
}

// BenchmarkOwnerDeathToLock: a waiter sleeps in Lock while a holder process (C or Go) holds
// the mutex; the holder is SIGKILLed and the time from the kill to the waiter holding the
// mutex (with ErrOwnerDead) is reported as death-to-lock-µs (mean) and -max. ns/op includes
// starting the holder process each iteration.
func BenchmarkOwnerDeathToLock(b *testing.B) {
	for _, holder := range []string{"cpeer", "worker"} {
		b.Run(holder, func(b *testing.B) {
			path, mem := shared(b, 4096)
			m := At(mem, 0)
			Init(m)
			helper(b, holder)
			var total, worst time.Duration
			for b.Loop() {
				p := startPeer(b, holder, path, 0, "lock", "ready", "hold")
				p.expect("lock 0")
				p.expect("ready")
				got := make(chan time.Time, 1)
				go func() {
					l, err := NewLocker()
					if err != nil {
						b.Error(err)
						got <- time.Time{}
						return
					}
					err = l.Lock(context.Background(), m)
					at := time.Now()
					if err != ErrOwnerDead {
						b.Errorf("Lock: %v", err)
					} else {
						l.Consistent(m)
						l.Unlock(m)
					}
					l.Close()
					got <- at
				}()
				for lockWord(m)&futexWaiters == 0 {
					time.Sleep(50 * time.Microsecond)
				}
				time.Sleep(time.Millisecond) // let the waiter settle into futex_wait
				t0 := time.Now()
				p.kill()
				d := (<-got).Sub(t0)
				total += d
				worst = max(worst, d)
				p.wait()
			}
			b.ReportMetric(float64(total.Microseconds())/float64(b.N), "death-to-lock-µs")
			b.ReportMetric(float64(worst.Microseconds()), "death-to-lock-max-µs")
		})
	}
}
