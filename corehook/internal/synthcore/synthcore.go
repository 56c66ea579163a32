// Package synthcore writes small but well-formed x86_64 Linux ELF cores for
// tests, fuzz seeds and the benchmark, laid out the way fs/binfmt_elf.c does:
// header, PT_NOTE first, one PT_LOAD per mapping, notes, then the contents.
package synthcore

import (
	"bytes"
	"encoding/binary"
	"io"
)

const pageSize = 4096

// Spec describes the crash to encode.
type Spec struct {
	PID, PPID  int32
	UID, GID   uint32
	Signal     int
	FaultAddr  uint64
	SigCode    int32 // si_code: > 0 for a kernel-sent signal (SEGV_MAPERR is 1)
	Comm, Args string
	Secure     bool
	ExePath    string
	BuildID    []byte // written in the first page of the exe mapping
	// Extra data mappings after the exe page, each Size bytes produced by Fill.
	Mappings []Mapping
}

// Mapping is an anonymous memory region of the synthetic process.
type Mapping struct {
	Size uint64
	// Fill writes exactly Size bytes of the mapping's contents.
	Fill func(w io.Writer) error
}

func note(buf *bytes.Buffer, name string, typ uint32, desc []byte) {
	le := binary.LittleEndian
	n := append([]byte(name), 0)
	binary.Write(buf, le, uint32(len(n)))
	binary.Write(buf, le, uint32(len(desc)))
	binary.Write(buf, le, typ)
	buf.Write(n)
	pad(buf)
	buf.Write(desc)
	pad(buf)
}

func pad(buf *bytes.Buffer) {
	for buf.Len()%4 != 0 {
		buf.WriteByte(0)
	}
}

// ExePage returns a first page of an ELF executable carrying buildID.
func ExePage(buildID []byte) []byte {
	le := binary.LittleEndian
	page := make([]byte, pageSize)
	copy(page, "\x7fELF\x02\x01\x01")
	le.PutUint16(page[16:], 3)  // ET_DYN
	le.PutUint16(page[18:], 62) // EM_X86_64
	le.PutUint64(page[32:], 64) // e_phoff
	le.PutUint16(page[54:], 56) // e_phentsize
	le.PutUint16(page[56:], 1)  // e_phnum
	var n bytes.Buffer
	note(&n, "GNU", 3, buildID)
	ph := page[64:]
	le.PutUint32(ph[0:], 4)                // PT_NOTE
	le.PutUint64(ph[8:], 0x200)            // p_offset
	le.PutUint64(ph[32:], uint64(n.Len())) // p_filesz
	copy(page[0x200:], n.Bytes())
	return page
}

// Write writes the core described by s to w and returns its size.
func Write(w io.Writer, s Spec) (int64, error) {
	le := binary.LittleEndian
	const exeStart = 0x400000
	var notes bytes.Buffer

	prstatus := make([]byte, 336)
	le.PutUint32(prstatus[0:], uint32(s.Signal))
	le.PutUint16(prstatus[12:], uint16(s.Signal))
	le.PutUint32(prstatus[32:], uint32(s.PID))
	le.PutUint32(prstatus[36:], uint32(s.PPID))
	note(&notes, "CORE", 1, prstatus)

	psinfo := make([]byte, 136)
	le.PutUint32(psinfo[16:], s.UID)
	le.PutUint32(psinfo[20:], s.GID)
	le.PutUint32(psinfo[24:], uint32(s.PID))
	copy(psinfo[40:56], s.Comm)
	copy(psinfo[56:136], s.Args)
	note(&notes, "CORE", 3, psinfo)

	siginfo := make([]byte, 128)
	le.PutUint32(siginfo[0:], uint32(s.Signal))
	le.PutUint32(siginfo[8:], uint32(s.SigCode))
	le.PutUint64(siginfo[16:], s.FaultAddr)
	note(&notes, "CORE", 0x53494749, siginfo)

	var auxv bytes.Buffer
	secure := uint64(0)
	if s.Secure {
		secure = 1
	}
	for _, kv := range [][2]uint64{{11, uint64(s.UID)}, {12, uint64(s.UID)}, {13, uint64(s.GID)}, {14, uint64(s.GID)}, {23, secure}, {0, 0}} {
		binary.Write(&auxv, le, kv)
	}
	note(&notes, "CORE", 6, auxv.Bytes())

	// NT_FILE: the exe's first page only.
	var files bytes.Buffer
	for _, v := range []uint64{1, pageSize, exeStart, exeStart + pageSize, 0} {
		binary.Write(&files, le, v)
	}
	files.WriteString(s.ExePath + "\x00")
	note(&notes, "CORE", 0x46494c45, files.Bytes())

	nLoads := 1 + len(s.Mappings)
	phoff := uint64(64)
	noteOff := phoff + uint64(1+nLoads)*56
	dataOff := (noteOff + uint64(notes.Len()) + pageSize - 1) &^ (pageSize - 1)

	hdr := make([]byte, 64)
	copy(hdr, "\x7fELF\x02\x01\x01")
	le.PutUint16(hdr[16:], 4) // ET_CORE
	le.PutUint16(hdr[18:], 62)
	le.PutUint32(hdr[20:], 1)
	le.PutUint64(hdr[32:], phoff)
	le.PutUint16(hdr[52:], 64)
	le.PutUint16(hdr[54:], 56)
	le.PutUint16(hdr[56:], uint16(1+nLoads))

	var phdrs bytes.Buffer
	ph := func(typ, flags uint32, off, vaddr, size uint64) {
		p := make([]byte, 56)
		le.PutUint32(p[0:], typ)
		le.PutUint32(p[4:], flags)
		le.PutUint64(p[8:], off)
		le.PutUint64(p[16:], vaddr)
		le.PutUint64(p[32:], size)
		le.PutUint64(p[40:], size)
		phdrs.Write(p)
	}
	ph(4, 0, noteOff, 0, uint64(notes.Len()))
	off := dataOff
	ph(1, 5, off, exeStart, pageSize)
	off += pageSize
	vaddr := uint64(0x7f0000000000)
	for _, m := range s.Mappings {
		ph(1, 6, off, vaddr, m.Size)
		off += m.Size
		vaddr += (m.Size + pageSize - 1) &^ (pageSize - 1)
	}

	cw := &countWriter{w: w}
	cw.Write(hdr)
	cw.Write(phdrs.Bytes())
	cw.Write(notes.Bytes())
	cw.Write(make([]byte, dataOff-uint64(cw.n)))
	cw.Write(ExePage(s.BuildID))
	if cw.err != nil {
		return cw.n, cw.err
	}
	for _, m := range s.Mappings {
		if err := m.Fill(cw); err != nil {
			return cw.n, err
		}
	}
	return cw.n, cw.err
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// Zeros returns a Fill that writes zero bytes, as a pipe receives untouched
// pages.
func Zeros(size uint64) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.CopyN(w, zeroReader{}, int64(size))
		return err
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
