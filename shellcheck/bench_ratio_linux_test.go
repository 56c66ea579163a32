package shellcheck

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	"mvdan.cc/sh/v3/syntax"
)

// BenchmarkCorpusRatio times the bare parse and the whole check of each
// file back to back and reports check time over parse time, both in wall
// time and in the CPU time of the benchmark's own thread. On a machine
// shared with other work, load hits both sides of the ratio alike, where two
// separate benchmarks may run under different load; the thread's CPU time
// leaves out the waits for a core altogether (and the GC's background
// workers, which run on other threads).
func BenchmarkCorpusRatio(b *testing.B) {
	srcs := corpus(b)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu := func() time.Duration {
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ts.Nano())
	}
	var parse, check, parseCPU, checkCPU time.Duration
	for b.Loop() {
		for _, src := range srcs {
			t0, c0 := time.Now(), cpu()
			syntax.NewParser(syntax.KeepComments(true)).Parse(bytes.NewReader(src), "f")
			t1, c1 := time.Now(), cpu()
			Check("f", src, Options{Dialect: "bash"})
			t2, c2 := time.Now(), cpu()
			parse, parseCPU = parse+t1.Sub(t0), parseCPU+c1-c0
			check, checkCPU = check+t2.Sub(t1), checkCPU+c2-c1
		}
	}
	if parse > 0 && parseCPU > 0 {
		b.ReportMetric(float64(check)/float64(parse), "check/parse")
		b.ReportMetric(float64(checkCPU)/float64(parseCPU), "check/parse-cpu")
	}
}
