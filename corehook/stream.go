package corehook

import (
	"errors"
	"io"
	"os"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/quirkcheck/quirk/corehook/elfcore"
)

const (
	pageSize = 4096
	// chunkSize is the read size: big enough to amortise syscalls, small
	// enough that peak memory stays far below 64 MiB whatever the core size.
	chunkSize = 1 << 20
	// prefixCap bounds the bytes kept for note parsing (about 12 KiB of
	// notes per thread: 8 MiB covers ~700 threads fully; more is parsed
	// partially).
	prefixCap = 8 << 20
	// maxBuildIDPages bounds the captured first pages of mapped objects.
	maxBuildIDPages = 1024
)

var zeroPage = make([]byte, pageSize)

// sink receives the core stream.
type sink interface {
	io.Writer
	// DiskBytes is about what the output occupies so far.
	DiskBytes() int64
	// Finish flushes the output; size is the logical core size.
	Finish(size int64) error
}

// sparseFile writes a core raw, leaving a hole for every all-zero page, as
// the kernel does when it dumps to a file: a pipe delivers skipped pages as
// literal zeros, so they must be found again here.
type sparseFile struct {
	f    *os.File
	off  int64
	disk int64
}

func newSparseFile(f *os.File) *sparseFile { return &sparseFile{f: f} }

func (s *sparseFile) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		// Blocks are aligned to file offsets so holes are whole pages.
		blk := pageSize - int(s.off%pageSize)
		if blk > len(p) {
			blk = len(p)
		}
		if isZero(p[:blk]) {
			s.off += int64(blk)
			p = p[blk:]
			continue
		}
		// Coalesce the run of non-zero blocks into one pwrite.
		run := blk
		for run < len(p) {
			next := min(pageSize, len(p)-run)
			if isZero(p[run : run+next]) {
				break
			}
			run += next
		}
		if _, err := s.f.WriteAt(p[:run], s.off); err != nil {
			return n - len(p), err
		}
		s.off += int64(run)
		s.disk += int64(run)
		p = p[run:]
	}
	return n, nil
}

// zeroBytes counts the bytes of b in all-zero pages.
func zeroBytes(b []byte) uint64 {
	var n uint64
	for len(b) > 0 {
		k := min(len(b), pageSize)
		if isZero(b[:k]) {
			n += uint64(k)
		}
		b = b[k:]
	}
	return n
}

func isZero(b []byte) bool {
	for len(b) > 0 {
		k := min(len(b), pageSize)
		if string(b[:k]) != string(zeroPage[:k]) {
			return false
		}
		b = b[k:]
	}
	return true
}

func (s *sparseFile) DiskBytes() int64 { return s.disk }

// Finish sets the size, which creates the trailing hole if the core ends
// in zero pages.
func (s *sparseFile) Finish(size int64) error { return s.f.Truncate(size) }

// zstdFile compresses the stream in one pass at the fastest level, with a
// frame checksum (as systemd-coredump writes .zst cores).
type zstdFile struct {
	enc *zstd.Encoder
	cw  *countingWriter
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func newZstdFile(f *os.File) (*zstdFile, error) {
	cw := &countingWriter{w: f}
	// One encoder goroutine measured faster than two on 2 vCPUs for
	// core-like data (README, corehook's zstd measurements), and it leaves
	// a CPU to the system.
	enc, err := zstd.NewWriter(cw,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(true),
		zstd.WithWindowSize(1<<22))
	if err != nil {
		return nil, err
	}
	return &zstdFile{enc: enc, cw: cw}, nil
}

func (z *zstdFile) Write(p []byte) (int, error) { return z.enc.Write(p) }
func (z *zstdFile) DiskBytes() int64            { return z.cw.n }
func (z *zstdFile) Finish(int64) error          { return z.enc.Close() }

// streamLimits stop a stream early.
type streamLimits struct {
	// TruncateAt keeps the first TruncateAt bytes and stops (RLIMIT_CORE).
	TruncateAt  uint64
	TruncateWhy string
	// DropAbove and DiskAbove abandon the stored core (ProcessSizeMax and
	// ExternalSizeMax): the metadata is kept, the core is not.
	DropAbove uint64
	DiskAbove uint64
	// Room, if set, is asked after every write whether the core's disk
	// bytes still fit the store (the quota); a reason drops the core.
	Room func(disk uint64) string
	// Deadline and ZerosMax are the per-dump budget (DumpTimeMax and
	// DumpZerosMax): past either, reading stops, the crasher and its pipe
	// slot are released, and the core is kept truncated. A crasher can
	// send tens of GiB of zeros from a few KiB of memory, or stall the
	// kernel's write (a mapping that blocks), holding a slot for minutes.
	Deadline    time.Time
	DeadlineWhy string
	ZerosMax    uint64
	ZerosWhy    string
}

// streamResult is what one pass over the core learned.
type streamResult struct {
	Size      uint64 // bytes received (and written, unless dropped)
	EOF       bool   // the kernel finished writing
	ReadErr   error
	WriteErr  error
	Truncated string // why the stored core is shorter than the stream
	Dropped   string // why the core was not stored
	Core      *elfcore.Core
	ParseErr  error
	BuildIDs  []BuildID
	LastByte  time.Time
	Released  time.Time
}

// BuildID names the build-id of one mapped ELF object.
type BuildID struct {
	Path string `json:"path"`
	ID   string `json:"build_id"`
}

// teeTarget is a secondary copy (the emulated previous pattern) whose
// failures never affect the main store.
type teeTarget struct {
	w     io.Writer
	limit uint64 // stop copying after this many bytes
	err   error
}

// streamCore reads the core from r in one pass, into dst (nil: discard) and
// the tees, parsing the notes from a bounded prefix and capturing the first
// page of each mapped ELF object for its build-id. release is called as soon
// as the last byte was read (or the stream is abandoned), before any output
// is flushed, so the crashed process can finish exiting.
func streamCore(r io.Reader, dst sink, tees []*teeTarget, lim streamLimits, release func()) *streamResult {
	res := &streamResult{}
	chunks, done := readAhead(r)
	defer close(done)
	var prefix []byte
	prefixDone := false
	need := uint64(64)
	var pages []elfcore.BuildIDPage
	captured := map[int][]byte{}
	var off uint64
	stop := func() {
		if release != nil {
			release()
			release = nil
			res.Released = time.Now()
		}
	}
	defer stop()
	var timeout <-chan time.Time
	if !lim.Deadline.IsZero() {
		t := time.NewTimer(time.Until(lim.Deadline))
		defer t.Stop()
		timeout = t.C
	}
	var zeros uint64
loop:
	for {
		var msg chunk
		select {
		case msg = <-chunks:
		case <-timeout:
			res.Truncated = lim.DeadlineWhy
			break loop
		}
		n, err, chunk := msg.n, msg.err, msg.buf[:msg.n]
		if lim.ZerosMax > 0 {
			zeros += zeroBytes(chunk)
			if zeros > lim.ZerosMax {
				res.Truncated = lim.ZerosWhy
				break loop
			}
		}
		if n > 0 {
			res.LastByte = time.Now()
		}
		if !prefixDone && n > 0 {
			for {
				pos := uint64(len(prefix))
				if end := min(need, off+uint64(n)); pos < end {
					prefix = append(prefix, chunk[pos-off:end-off]...)
					pos = end
				}
				nd, nerr := elfcore.Needed(prefix)
				if nerr != nil && !errors.Is(nerr, elfcore.ErrShort) {
					res.ParseErr = nerr
					prefixDone = true
					break
				}
				if nd <= pos && nerr != nil {
					nd = pos + pageSize // short, with no better bound
				}
				need = min(nd, prefixCap)
				if pos >= need {
					prefixDone = true
					break
				}
				if pos >= off+uint64(n) {
					break // the rest comes with the next chunk
				}
			}
			if prefixDone && res.ParseErr == nil {
				res.Core, res.ParseErr = elfcore.Parse(prefix)
				if res.Core != nil {
					pages = res.Core.BuildIDPages(pageSize)
					if len(pages) > maxBuildIDPages {
						pages = pages[:maxBuildIDPages]
					}
				}
				prefix = nil // metadata is parsed; free the buffer
			}
		}
		// Capture the first pages of mapped objects as they stream by.
		for i, p := range pages {
			lo, hi := max(p.Offset, off), min(p.Offset+p.Size, off+uint64(n))
			if lo < hi {
				if captured[i] == nil {
					captured[i] = make([]byte, p.Size)
				}
				copy(captured[i][lo-p.Offset:], chunk[lo-off:hi-off])
			}
		}
		for _, t := range tees {
			if t.err != nil || off >= t.limit {
				continue
			}
			part := chunk[:min(uint64(n), t.limit-off)]
			if _, werr := t.w.Write(part); werr != nil {
				t.err = werr
			}
		}
		if dst != nil {
			keep := chunk
			if lim.TruncateAt > 0 && off+uint64(n) > lim.TruncateAt {
				keep = chunk[:lim.TruncateAt-off]
			}
			if lim.DropAbove > 0 && off+uint64(n) > lim.DropAbove {
				res.Dropped = "ProcessSizeMax"
				dst = nil
			} else if _, werr := dst.Write(keep); werr != nil {
				res.WriteErr = werr
				dst = nil
			} else if lim.DiskAbove > 0 && uint64(dst.DiskBytes()) > lim.DiskAbove {
				res.Dropped = "ExternalSizeMax"
				dst = nil
			} else if lim.Room != nil {
				if why := lim.Room(uint64(dst.DiskBytes())); why != "" {
					res.Dropped = why
					dst = nil
				}
			}
			if dst != nil && len(keep) < n {
				off += uint64(len(keep))
				res.Size = off
				res.Truncated = lim.TruncateWhy
				break loop
			}
		}
		off += uint64(n)
		res.Size = off
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			res.EOF = true
			break
		}
		if err != nil {
			res.ReadErr = err
			break
		}
		msg.recycle()
		if dst == nil && allTeesDone(tees, off) && prefixDone {
			// Nothing wants more bytes (the notes are in): stop reading so
			// the kernel's next write fails and the crasher is released.
			break
		}
	}
	stop()
	for i, p := range pages {
		if b := captured[i]; b != nil {
			if id := elfcore.BuildID(b); id != "" {
				res.BuildIDs = append(res.BuildIDs, BuildID{Path: p.Path, ID: id})
			}
		}
	}
	if !prefixDone && res.ParseErr == nil && len(prefix) > 0 {
		res.Core, res.ParseErr = elfcore.Parse(prefix)
	}
	return res
}

// chunk is one read of up to chunkSize bytes.
type chunk struct {
	buf  []byte
	n    int
	err  error
	free chan<- []byte
}

func (c chunk) recycle() { c.free <- c.buf }

// readAhead reads r on its own goroutine into a ring of three buffers, so
// that draining the pipe overlaps compressing and writing the previous chunk
// (the crasher keeps writing while we work). Closing done stops it.
func readAhead(r io.Reader) (<-chan chunk, chan<- struct{}) {
	const ring = 3
	free := make(chan []byte, ring)
	full := make(chan chunk, ring)
	done := make(chan struct{})
	for range ring {
		free <- make([]byte, chunkSize)
	}
	go func() {
		for {
			var b []byte
			select {
			case b = <-free:
			case <-done:
				return
			}
			n, err := io.ReadFull(r, b)
			full <- chunk{buf: b, n: n, err: err, free: free}
			if err != nil {
				return
			}
		}
	}()
	return full, done
}

func allTeesDone(tees []*teeTarget, off uint64) bool {
	for _, t := range tees {
		if t.err == nil && off < t.limit {
			return false
		}
	}
	return true
}
