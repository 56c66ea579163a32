package expand

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// benchCases is a mix of the words the checker confirms: slices, joins,
// defaults, errors, with a few argument vectors.
func benchCases(n int) []WordCase {
	words := []string{`"${@:0}"`, `"${@:1:2}"`, `"$*"`, `"x$@y"`, `${1+"$@"}`, `"${@: -1}"`, `"${@:2:-1}"`, `"$#"`}
	argvs := [][]string{nil, {"one"}, {"a", "b c", "d"}, {"-n", "x"}, {"*", "?"}}
	cases := make([]WordCase, n)
	for i := range cases {
		cases[i] = WordCase{Word: words[i%len(words)], Args: argvs[i%len(argvs)], Arg0: "t.sh"}
	}
	return cases
}

// naiveBash evaluates each case in its own plain "bash -c" process, the
// way a simple oracle would (no sandbox at all, which favours it).
func naiveBash(ctx context.Context, bash string, cases []WordCase) ([][]string, error) {
	out := make([][]string, len(cases))
	for i, c := range cases {
		src := c.Setup + "\nprintf '%s\\0' " + c.Word
		cmd := exec.CommandContext(ctx, bash, append([]string{"-c", src, c.Arg0}, c.Args...)...)
		cmd.Env = []string{}
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		_ = cmd.Run() // an expansion error is a result, not a failure
		out[i] = splitNUL(stdout.Bytes())
	}
	return out, nil
}

func splitNUL(b []byte) []string {
	var fields []string
	for _, f := range bytes.SplitAfter(b, []byte{0}) {
		if len(f) > 0 {
			fields = append(fields, string(f[:len(f)-1]))
		}
	}
	return fields
}

// BenchmarkBashOracle compares, in one run, the batched bash oracle with one
// plain "bash -c" per case and reports both rates and their ratio:
//
//	go test -run '^$' -bench BashOracle -benchtime 1x ./expand
func BenchmarkBashOracle(b *testing.B) {
	compareWithNaiveBash(b, benchCases(2000), 4, "batched-cases/s", "batched bash oracle")
}

// compareWithNaiveBash times the sandboxed bash engine on cases and, in the
// same loop, one plain "bash -c" per case on 1/sample of them (scaled
// back), and reports both rates under rateName and "naive-cases/s" and
// their ratio.
func compareWithNaiveBash(b *testing.B, cases []WordCase, sample int, rateName, label string) {
	bash := needShell(b, "bash")
	n := len(cases)
	ctx := context.Background()
	var batched, naive time.Duration
	steal := cpuSteal()
	for b.Loop() {
		start := time.Now()
		rs, err := EvalWords(ctx, "bash", cases, Options{})
		if err != nil {
			b.Fatal(err)
		}
		batched += time.Since(start)
		for i, r := range rs {
			if r.Err != nil {
				b.Fatalf("case %d: %v", i, r.Err)
			}
		}
		start = time.Now()
		if _, err := naiveBash(ctx, bash.Path, cases[:n/sample]); err != nil {
			b.Fatal(err)
		}
		naive += time.Since(start) * time.Duration(sample)
	}
	stolen := steal.share()
	batchedRate := float64(n*b.N) / batched.Seconds()
	naiveRate := float64(n*b.N) / naive.Seconds()
	b.ReportMetric(batchedRate, rateName)
	b.ReportMetric(naiveRate, "naive-cases/s")
	b.ReportMetric(batchedRate/naiveRate, "speedup")
	fmt.Printf("%s: %.0f cases/s; one bash -c per case: %.0f cases/s; ratio %.1fx%s\n", label, batchedRate, naiveRate, batchedRate/naiveRate, stolen)
}

// BenchmarkMvdanEngine is the in-process engine's rate on the same cases.
func BenchmarkMvdanEngine(b *testing.B) {
	cases := benchCases(2000)
	for b.Loop() {
		if _, err := EvalWords(context.Background(), Mvdan, cases, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(2000*b.N)/b.Elapsed().Seconds(), "cases/s")
}

// mixedCases is a realistic mix for the checker: about a third of the
// cases have a setup (each then runs in its own subshell), one in 25 ends
// the shell ("${x?}" is fatal in a non-interactive shell, so the batch
// reruns it alone and continues in a fresh process), the rest are plain
// words.
func mixedCases(n int) []WordCase {
	plain := benchCases(n)
	setups := []string{"IFS=,", "set -- a 'b c'", "x=1; y=$x", "IFS=; set -f", "shift"}
	for i := range plain {
		switch {
		case i%25 == 7:
			plain[i].Word = `"${unset_var?boom}"`
		case i%3 == 1:
			plain[i].Setup = setups[i%len(setups)]
		}
	}
	return plain
}

// BenchmarkMixedOracle runs the mixed cases through the sandboxed bash
// engine and, in the same run, a sample through one plain "bash -c" per
// case (no sandbox, which favours it), and prints both rates and the ratio:
//
//	go test -run '^$' -bench MixedOracle -benchtime 3x ./expand
func BenchmarkMixedOracle(b *testing.B) {
	compareWithNaiveBash(b, mixedCases(3000), 10, "mixed-cases/s", "mixed cases, sandboxed bash engine")
}

// BenchmarkMixedEngine is the sandboxed bash engine's rate on the mixed
// cases alone, with no "bash -c" runs between its calls (MixedOracle
// interleaves them, which also measures how the machine recovers from
// hundreds of process starts):
//
//	go test -run '^$' -bench MixedEngine -benchtime 10x ./expand
func BenchmarkMixedEngine(b *testing.B) {
	needShell(b, "bash")
	cases := mixedCases(3000)
	for b.Loop() {
		if _, err := EvalWords(context.Background(), "bash", cases, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(cases)*b.N)/b.Elapsed().Seconds(), "cases/s")
}

// stealMark is /proc/stat's CPU time taken by the hypervisor (steal) and
// the time the machine was busy, at one moment: on a shared VM the host
// can take a quarter of the time (seen here), which slows every rate in a
// run, the peer's too.
type stealMark struct{ steal, busy int64 }

func cpuSteal() stealMark {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return stealMark{-1, -1}
	}
	var m stealMark
	var f [8]int64
	if n, _ := fmt.Sscanf(string(data), "cpu %d %d %d %d %d %d %d %d", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]); n < 8 {
		return stealMark{-1, -1}
	}
	m.busy = f[0] + f[1] + f[2] + f[5] + f[6]
	m.steal = f[7]
	return m
}

// share says, since m, what part of the machine's CPU time the host took.
func (m stealMark) share() string {
	now := cpuSteal()
	if m.steal < 0 || now.steal < 0 {
		return ""
	}
	steal, busy := now.steal-m.steal, now.busy-m.busy
	if steal+busy == 0 {
		return ""
	}
	return fmt.Sprintf("; steal %.0f%% of CPU time", 100*float64(steal)/float64(steal+busy))
}
