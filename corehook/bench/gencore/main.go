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
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/quirkcheck/quirk/corehook/internal/synthcore"
)

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
	var text func(io.Writer) error
	switch mix {
	case "synthetic":
	case "system":
		text = newSystemBytes().fill
	default:
		fmt.Fprintln(os.Stderr, "gencore: MIX is synthetic or system")
		os.Exit(2)
	}
	maps := synthcore.BenchMix(mib, text)
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
	_, err := io.CopyN(w, s, synthcore.BenchMapping)
	return err
}
