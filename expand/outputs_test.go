package expand

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runIntoPipes runs "bash -c script" with stdout and stderr on a fresh
// outputPipes and returns what collect gives after grace.
func runIntoPipes(t *testing.T, script string, grace time.Duration) ([][]byte, time.Duration) {
	t.Helper()
	bash := needShell(t, "bash")
	p, err := newOutputPipes(2)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash.Path, "-c", script)
	cmd.Stdout, cmd.Stderr = p.w[0], p.w[1]
	if err := cmd.Start(); err != nil {
		p.cancel()
		t.Fatal(err)
	}
	p.closeWriters()
	p.start()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out := p.collect(grace)
	return out, time.Since(start)
}

// Thousands of small writes on both streams, as a batch makes them, arrive
// whole and in order.
func TestOutputPipesManyWrites(t *testing.T) {
	out, _ := runIntoPipes(t, `for ((i=0; i<5000; i++)); do printf '%d\n' $i; printf 'e%d\n' $i >&2; done`, 5*time.Second)
	var want, wantErr strings.Builder
	for i := range 5000 {
		want.WriteString(strconv.Itoa(i) + "\n")
		wantErr.WriteString("e" + strconv.Itoa(i) + "\n")
	}
	if string(out[0]) != want.String() || string(out[1]) != wantErr.String() {
		t.Errorf("stdout %d bytes (want %d), stderr %d bytes (want %d)", len(out[0]), want.Len(), len(out[1]), wantErr.Len())
	}
}

// A stream longer than maxStream is kept up to maxStream and drained to
// the end, so the writer never blocks on a full pipe.
func TestOutputPipesCapDrains(t *testing.T) {
	out, _ := runIntoPipes(t, `head -c $((`+strconv.Itoa(maxStream)+` + 3000000)) /dev/zero; echo done >&2`, 10*time.Second)
	if len(out[0]) != maxStream || !bytes.Equal(out[1], []byte("done\n")) {
		t.Errorf("kept %d bytes (want %d), stderr %q", len(out[0]), maxStream, out[1])
	}
}

// A process left behind holding a write end open (it escaped the kill)
// is waited for no longer than the grace period; what came before is kept.
func TestOutputPipesGiveUpOnLeftover(t *testing.T) {
	out, waited := runIntoPipes(t, `echo before; sleep 3 & disown`, 300*time.Millisecond)
	if string(out[0]) != "before\n" {
		t.Errorf("stdout %q", out[0])
	}
	if waited > 2*time.Second {
		t.Errorf("collect waited %v for a leftover process, grace was 300ms", waited)
	}
}
