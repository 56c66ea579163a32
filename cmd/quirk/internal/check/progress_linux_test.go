package check

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns the two ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// On a terminal a long walk shows "checked N/M files" and erases it at the
// end; anywhere else (a file, a pipe, CI logs) it prints nothing.
func TestProgressOnTerminal(t *testing.T) {
	master, slave := openPTY(t)
	p := newProgress(slave, 100)
	for range 60 {
		p.tick()
	}
	time.Sleep(110 * time.Millisecond)
	for range 40 {
		p.tick()
	}
	p.done()
	master.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4096)
	var got bytes.Buffer
	for !strings.Contains(got.String(), "\x1b[K") {
		n, err := master.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
	}
	out := got.String()
	if !strings.Contains(out, "\rquirk: checked 1/100 files") || !strings.Contains(out, "/100 files") || !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("terminal got %q", out)
	}

	var file bytes.Buffer
	q := newProgress(&file, 100)
	for range 100 {
		q.tick()
	}
	q.done()
	if file.Len() != 0 {
		t.Errorf("non-terminal got %q", file.String())
	}
}
