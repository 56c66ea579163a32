// Command gencore writes a synthetic x86_64 ELF core to stdout for the
// corehook benchmark: SIZE MiB (default 1024) of mappings, about 60% zero
// pages (what a pipe delivers for untouched memory), 30% "text" and 10%
// random bytes, interleaved in 16 MiB mappings.
//
// MIX selects the text: "synthetic" (default; log-like words with random
// numbers, hard to compress) or "system" (the bytes of the files under
// /usr/bin and /usr/lib, as a real process maps them).
//
// usage: gencore [SIZE_MIB] [MIX]
package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/quirkcheck/quirk/corehook/internal/synthcore"
)

const mapping = 16 << 20

func main() {
	mib := 1024
	if len(os.Args) > 1 {
		n, err := strconv.Atoi(os.Args[1])
		if err != nil || n < 16 {
			fmt.Fprintln(os.Stderr, "usage: gencore [SIZE_MIB >= 16]")
			os.Exit(2)
		}
		mib = n
	}
	mix := "synthetic"
	if len(os.Args) > 2 {
		mix = os.Args[2]
	}
	rnd := rand.New(rand.NewPCG(42, 7))
	var sys *systemBytes
	switch mix {
	case "synthetic":
	case "system":
		sys = newSystemBytes()
	default:
		fmt.Fprintln(os.Stderr, "gencore: MIX is synthetic or system")
		os.Exit(2)
	}
	var maps []synthcore.Mapping
	for i := 0; i < mib/16; i++ {
		var fill func(io.Writer) error
		switch i % 10 {
		case 0, 3, 6:
			fill = text(rnd)
			if sys != nil {
				fill = sys.fill
			}
		case 8:
			fill = random(rnd)
		default:
			fill = synthcore.Zeros(mapping)
		}
		maps = append(maps, synthcore.Mapping{Size: mapping, Fill: fill})
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	_, err := synthcore.Write(w, synthcore.Spec{
		PID: 1234, PPID: 1, UID: 1000, GID: 1000, Signal: 11, Comm: "bench",
		ExePath: "/usr/bin/bench", BuildID: []byte("0123456789abcdefghij"), Mappings: maps,
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencore:", err)
		os.Exit(1)
	}
}

var words = []string{"request", "handler", "session", "timeout", "buffer", "client", "0x7ffd", "ERROR", "connection", "reset", "by", "peer", "user_id=", "GET", "/api/v1/items", "200", "OK", "\n"}

func text(rnd *rand.Rand) func(io.Writer) error {
	return func(w io.Writer) error {
		buf := make([]byte, 0, mapping)
		for len(buf) < mapping {
			buf = append(buf, words[rnd.IntN(len(words))]...)
			buf = strconv.AppendUint(buf, uint64(rnd.IntN(100000)), 10)
			buf = append(buf, ' ')
		}
		_, err := w.Write(buf[:mapping])
		return err
	}
}

func random(rnd *rand.Rand) func(io.Writer) error {
	return func(w io.Writer) error {
		buf := make([]byte, mapping)
		for i := 0; i+8 <= len(buf); i += 8 {
			v := rnd.Uint64()
			for j := 0; j < 8; j++ {
				buf[i+j] = byte(v >> (8 * j))
			}
		}
		_, err := w.Write(buf)
		return err
	}
}

// systemBytes cycles through the regular files under /usr/bin and /usr/lib.
type systemBytes struct {
	files []string
	next  int
	cur   *os.File
}

func newSystemBytes() *systemBytes {
	s := &systemBytes{}
	for _, root := range []string{"/usr/bin", "/usr/lib"} {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				s.files = append(s.files, p)
			}
			return nil
		})
	}
	sort.Strings(s.files)
	if len(s.files) == 0 {
		fmt.Fprintln(os.Stderr, "gencore: no files under /usr/bin or /usr/lib")
		os.Exit(1)
	}
	return s
}

func (s *systemBytes) Read(p []byte) (int, error) {
	for {
		if s.cur == nil {
			f, err := os.Open(s.files[s.next%len(s.files)])
			s.next++
			if err != nil {
				continue
			}
			s.cur = f
		}
		n, err := s.cur.Read(p)
		if n > 0 {
			return n, nil
		}
		s.cur.Close()
		s.cur = nil
		if err != nil && err != io.EOF {
			continue
		}
	}
}

func (s *systemBytes) fill(w io.Writer) error {
	_, err := io.CopyN(w, s, mapping)
	return err
}
