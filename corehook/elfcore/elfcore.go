// Package elfcore reads the metadata of a Linux ELF core file from its
// prefix: the ELF header, the program headers and the notes, which the kernel
// writes before any memory contents. It never allocates from sizes found in
// the data beyond the bytes it was given, so a hostile or truncated prefix
// costs nothing but an error.
package elfcore

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// Note types (include/uapi/linux/elf.h).
const (
	ntPRStatus = 1
	ntPRPSInfo = 3
	ntAuxv     = 6
	ntSigInfo  = 0x53494749
	ntFile     = 0x46494c45
	ntGNUBuild = 3

	ptLoad = 1
	ptNote = 4
	etCore = 4
	pnXNum = 0xffff

	atUID    = 11
	atEUID   = 12
	atGID    = 13
	atEGID   = 14
	atSecure = 23
)

// ErrShort means the prefix ends before the part being parsed.
var ErrShort = errors.New("elfcore: prefix too short")

// Segment is one PT_LOAD program header.
type Segment struct {
	Offset, Vaddr, Filesz, Memsz uint64
	Flags                        uint32
}

// MappedFile is one NT_FILE entry.
type MappedFile struct {
	Start      uint64 `json:"start"`
	End        uint64 `json:"end"`
	PageOffset uint64 `json:"page_offset"`
	Path       string `json:"path"`
}

// Auxv holds the entries of NT_AUXV that matter for permissions.
type Auxv struct {
	Present              bool
	UID, EUID, GID, EGID uint64
	Secure               bool
	HaveUIDs, HaveSecure bool
}

// Core is what the prefix says about the crash.
type Core struct {
	Is64      bool
	Order     binary.ByteOrder
	Machine   uint16
	PHOff     uint64
	PHEntSize uint64
	PHNum     uint64
	Loads     []Segment
	NoteOff   uint64
	NoteSize  uint64

	// From the first NT_PRSTATUS (the dumping thread) and NT_PRPSINFO.
	Signal int
	// PC is the dumping thread's program counter (HavePC: known for this
	// machine: x86_64 rip, arm64 pc).
	PC      uint64
	HavePC  bool
	PID     int // in the crasher's PID namespace
	PPID    int
	Threads int
	Fname   string
	Args    string
	UID     uint32
	GID     uint32

	// From NT_SIGINFO.
	SigErrno int32
	SigCode  int32
	SigAddr  uint64
	HaveSig  bool

	Auxv  Auxv
	Files []MappedFile
}

// NoteEnd is the offset right after the notes: everything Parse needs.
func (c *Core) NoteEnd() uint64 { return c.NoteOff + c.NoteSize }

// ExpectedSize is the file size the program headers promise; a stream
// that ends earlier was cut off.
func (c *Core) ExpectedSize() uint64 {
	end := c.NoteEnd()
	for _, s := range c.Loads {
		if e := s.Offset + s.Filesz; e > end && e >= s.Offset {
			end = e
		}
	}
	return end
}

type reader struct {
	b     []byte
	order binary.ByteOrder
	is64  bool
}

func (r reader) u16(off uint64) (uint16, bool) {
	if off > uint64(len(r.b)) || uint64(len(r.b))-off < 2 {
		return 0, false
	}
	return r.order.Uint16(r.b[off:]), true
}

func (r reader) u32(off uint64) (uint32, bool) {
	if off > uint64(len(r.b)) || uint64(len(r.b))-off < 4 {
		return 0, false
	}
	return r.order.Uint32(r.b[off:]), true
}

func (r reader) u64(off uint64) (uint64, bool) {
	if off > uint64(len(r.b)) || uint64(len(r.b))-off < 8 {
		return 0, false
	}
	return r.order.Uint64(r.b[off:]), true
}

// word reads a native long.
func (r reader) word(off uint64) (uint64, bool) {
	if r.is64 {
		return r.u64(off)
	}
	v, ok := r.u32(off)
	return uint64(v), ok
}

func (r reader) wordSize() uint64 {
	if r.is64 {
		return 8
	}
	return 4
}

// header parses the ELF header and the program headers in b.
func header(b []byte, wantType uint16) (*Core, reader, error) {
	if len(b) < 16 {
		return nil, reader{}, ErrShort
	}
	if !bytes.Equal(b[:4], []byte("\x7fELF")) {
		return nil, reader{}, errors.New("elfcore: no ELF magic")
	}
	c := &Core{}
	switch b[4] {
	case 1:
	case 2:
		c.Is64 = true
	default:
		return nil, reader{}, fmt.Errorf("elfcore: bad ELF class %d", b[4])
	}
	switch b[5] {
	case 1:
		c.Order = binary.LittleEndian
	case 2:
		c.Order = binary.BigEndian
	default:
		return nil, reader{}, fmt.Errorf("elfcore: bad ELF data encoding %d", b[5])
	}
	r := reader{b: b, order: c.Order, is64: c.Is64}
	hdrSize := uint64(52)
	if c.Is64 {
		hdrSize = 64
	}
	if uint64(len(b)) < hdrSize {
		return nil, r, ErrShort
	}
	typ, _ := r.u16(16)
	if wantType != 0 && typ != wantType {
		return nil, r, fmt.Errorf("elfcore: ELF type %d, want %d", typ, wantType)
	}
	c.Machine, _ = r.u16(18)
	var phentsize, phnum uint16
	if c.Is64 {
		c.PHOff, _ = r.u64(32)
		phentsize, _ = r.u16(54)
		phnum, _ = r.u16(56)
	} else {
		off, _ := r.u32(28)
		c.PHOff = uint64(off)
		phentsize, _ = r.u16(42)
		phnum, _ = r.u16(44)
	}
	c.PHEntSize = uint64(phentsize)
	minEnt := uint64(32)
	if c.Is64 {
		minEnt = 56
	}
	if c.PHEntSize < minEnt {
		return nil, r, fmt.Errorf("elfcore: program header size %d too small", c.PHEntSize)
	}
	c.PHNum = uint64(phnum)
	return c, r, nil
}

// phdr reads program header i.
func (c *Core) phdr(r reader, i uint64) (typ uint32, s Segment, ok bool) {
	off := c.PHOff + i*c.PHEntSize
	if off < c.PHOff || off+c.PHEntSize < off || off+c.PHEntSize > uint64(len(r.b)) {
		return 0, s, false
	}
	typ, _ = r.u32(off)
	if c.Is64 {
		s.Flags, _ = r.u32(off + 4)
		s.Offset, _ = r.u64(off + 8)
		s.Vaddr, _ = r.u64(off + 16)
		s.Filesz, _ = r.u64(off + 32)
		s.Memsz, _ = r.u64(off + 40)
	} else {
		v, _ := r.u32(off + 4)
		s.Offset = uint64(v)
		v, _ = r.u32(off + 8)
		s.Vaddr = uint64(v)
		v, _ = r.u32(off + 16)
		s.Filesz = uint64(v)
		v, _ = r.u32(off + 20)
		s.Memsz = uint64(v)
		s.Flags, _ = r.u32(off + 24)
	}
	return typ, s, true
}

// Needed returns how many prefix bytes Parse needs: the end of the notes.
// It returns ErrShort (with a better lower bound when known) while b does not
// yet hold the ELF header and the first program header.
func Needed(b []byte) (uint64, error) {
	c, r, err := header(b, etCore)
	if err != nil {
		if errors.Is(err, ErrShort) {
			return 64, err
		}
		return 0, err
	}
	typ, s, ok := c.phdr(r, 0)
	if !ok {
		return c.PHOff + c.PHEntSize, ErrShort
	}
	if typ != ptNote {
		return 0, errors.New("elfcore: first program header is not PT_NOTE")
	}
	end := s.Offset + s.Filesz
	if end < s.Offset {
		return 0, errors.New("elfcore: PT_NOTE overflows")
	}
	if phEnd := c.PHOff + c.PHNum*c.PHEntSize; phEnd > end && c.PHNum != pnXNum {
		end = phEnd
	}
	return end, nil
}

// Parse reads the header, program headers and notes from prefix. With a
// prefix shorter than Needed it parses what is there and returns ErrShort
// along with the partial Core.
func Parse(prefix []byte) (*Core, error) {
	c, r, err := header(prefix, etCore)
	if err != nil {
		return nil, err
	}
	typ, note, ok := c.phdr(r, 0)
	if !ok {
		return c, ErrShort
	}
	if typ != ptNote {
		return c, errors.New("elfcore: first program header is not PT_NOTE")
	}
	c.NoteOff, c.NoteSize = note.Offset, note.Filesz
	if c.PHNum == pnXNum && c.PHEntSize > 0 && note.Offset > c.PHOff {
		// The real count is in a section header at the end of the file,
		// which a stream reaches too late; the notes follow the program
		// headers directly, so their offset gives the count.
		c.PHNum = (note.Offset - c.PHOff) / c.PHEntSize
	}
	var short bool
	for i := uint64(1); i < c.PHNum; i++ {
		typ, s, ok := c.phdr(r, i)
		if !ok {
			short = true
			break
		}
		if typ == ptLoad {
			c.Loads = append(c.Loads, s)
		}
	}
	end := c.NoteEnd()
	if end < c.NoteOff {
		return c, errors.New("elfcore: PT_NOTE overflows")
	}
	notes := r.b
	if end > uint64(len(notes)) {
		short = true
		end = uint64(len(notes))
	}
	if c.NoteOff < end {
		c.parseNotes(notes[c.NoteOff:end])
	}
	if short {
		return c, ErrShort
	}
	return c, nil
}

// forEachNote calls f for every complete note in b (4-byte aligned, as
// Linux writes them for both classes).
func forEachNote(order binary.ByteOrder, b []byte, f func(name string, typ uint32, desc []byte)) {
	for len(b) >= 12 {
		namesz := uint64(order.Uint32(b))
		descsz := uint64(order.Uint32(b[4:]))
		typ := order.Uint32(b[8:])
		b = b[12:]
		nameEnd := align4(namesz)
		if nameEnd > uint64(len(b)) {
			return
		}
		name := string(bytes.TrimRight(b[:namesz], "\x00"))
		b = b[nameEnd:]
		descEnd := align4(descsz)
		if descEnd > uint64(len(b)) || descsz > uint64(len(b)) {
			return
		}
		f(name, typ, b[:descsz])
		b = b[descEnd:]
	}
}

func align4(n uint64) uint64 { return (n + 3) &^ 3 }

func (c *Core) parseNotes(notes []byte) {
	forEachNote(c.Order, notes, func(name string, typ uint32, desc []byte) {
		d := reader{b: desc, order: c.Order, is64: c.Is64}
		if name != "CORE" {
			return
		}
		switch typ {
		case ntPRStatus:
			c.Threads++
			if c.Threads > 1 {
				return
			}
			// struct elf_prstatus: elf_siginfo{signo,code,errno} (12),
			// short pr_cursig, then two longs of signal masks, then pids.
			cursig, _ := d.u16(12)
			c.Signal = int(cursig)
			pidOff := 12 + 4 + 2*d.wordSize()
			pid, _ := d.u32(pidOff)
			ppid, _ := d.u32(pidOff + 4)
			c.PID, c.PPID = int(int32(pid)), int(int32(ppid))
			// pr_reg starts at 112 on both 64-bit arches: rip is word 16
			// of x86_64's user_regs_struct, pc word 32 of arm64's.
			if c.Is64 {
				switch elf.Machine(c.Machine) {
				case elf.EM_X86_64:
					c.PC, c.HavePC = d.u64(112 + 16*8)
				case elf.EM_AARCH64:
					c.PC, c.HavePC = d.u64(112 + 32*8)
				}
			}
		case ntPRPSInfo:
			// struct elf_prpsinfo: 4 chars, long pr_flag, then uid, gid,
			// pid, ppid, pgrp, sid, fname[16], psargs[80]. uid/gid are
			// 32 bits on 64-bit arches and on most 32-bit ones today.
			off := uint64(16)
			if !c.Is64 {
				off = 8
			}
			if uid, ok := d.u32(off); ok {
				c.UID = uid
			}
			if gid, ok := d.u32(off + 4); ok {
				c.GID = gid
			}
			fnameOff := off + 24
			if fnameOff+16 <= uint64(len(desc)) {
				c.Fname = cString(desc[fnameOff : fnameOff+16])
			}
			if fnameOff+16+80 <= uint64(len(desc)) {
				c.Args = cString(desc[fnameOff+16 : fnameOff+96])
			}
		case ntSigInfo:
			if signo, ok := d.u32(0); ok {
				c.HaveSig = true
				if c.Signal == 0 {
					c.Signal = int(int32(signo))
				}
				e, _ := d.u32(4)
				code, _ := d.u32(8)
				c.SigErrno, c.SigCode = int32(e), int32(code)
				addrOff := uint64(12)
				if c.Is64 {
					addrOff = 16
				}
				if isFaultSignal(int(int32(signo))) {
					c.SigAddr, _ = d.word(addrOff)
				}
			}
		case ntAuxv:
			c.parseAuxv(d)
		case ntFile:
			c.parseFiles(d)
		}
	})
}

func isFaultSignal(sig int) bool {
	switch sig {
	case 4, 5, 7, 8, 11: // SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV
		return true
	}
	return false
}

func (c *Core) parseAuxv(d reader) {
	c.Auxv.Present = true
	w := d.wordSize()
	for off := uint64(0); off+2*w <= uint64(len(d.b)); off += 2 * w {
		key, _ := d.word(off)
		val, _ := d.word(off + w)
		switch key {
		case 0:
			return
		case atUID:
			c.Auxv.UID, c.Auxv.HaveUIDs = val, true
		case atEUID:
			c.Auxv.EUID = val
		case atGID:
			c.Auxv.GID = val
		case atEGID:
			c.Auxv.EGID = val
		case atSecure:
			c.Auxv.Secure, c.Auxv.HaveSecure = val != 0, true
		}
	}
}

// maxFiles bounds NT_FILE entries kept; the kernel's note is capped at 16 MiB.
const maxFiles = 1 << 16

func (c *Core) parseFiles(d reader) {
	w := d.wordSize()
	count, ok := d.word(0)
	if !ok {
		return
	}
	pageSize, _ := d.word(w)
	table := 2 * w
	// Each entry needs 3 words: a count larger than the note can hold is a lie.
	if count > (uint64(len(d.b))-table)/(3*w) {
		return
	}
	names := d.b[table+count*3*w:]
	for i := uint64(0); i < count && i < maxFiles; i++ {
		start, _ := d.word(table + i*3*w)
		end, _ := d.word(table + i*3*w + w)
		pgoff, _ := d.word(table + i*3*w + 2*w)
		path := names
		if j := bytes.IndexByte(names, 0); j >= 0 {
			path, names = names[:j], names[j+1:]
		} else {
			names = nil
		}
		f := MappedFile{Start: start, End: end, PageOffset: pgoff, Path: string(path)}
		if pageSize > 0 && pageSize <= 1<<30 {
			f.PageOffset = pgoff * pageSize
		}
		c.Files = append(c.Files, f)
	}
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// BuildIDPage is a place in the core where the first page of a mapped ELF
// object is stored, and whose build-id can be read from it.
type BuildIDPage struct {
	Path   string
	Offset uint64 // file offset of the page in the core
	Size   uint64 // bytes of it that are in the core (at most one page)
}

// BuildIDPages lists, for each NT_FILE mapping of file offset 0, the
// PT_LOAD that holds its first page. The kernel dumps that page when
// coredump_filter bit 4 (ELF headers) is set, as it is by default.
func (c *Core) BuildIDPages(pageSize uint64) []BuildIDPage {
	seen := map[string]bool{}
	var out []BuildIDPage
	for _, f := range c.Files {
		if f.PageOffset != 0 || seen[f.Path] {
			continue
		}
		for _, s := range c.Loads {
			if s.Vaddr == f.Start && s.Filesz > 0 {
				seen[f.Path] = true
				out = append(out, BuildIDPage{Path: f.Path, Offset: s.Offset, Size: min(s.Filesz, pageSize)})
				break
			}
		}
	}
	return out
}

// BuildID reads the GNU build-id of an ELF object from its first page.
// It returns "" when the page holds no ELF header or the note lies beyond it.
func BuildID(page []byte) string {
	c, r, err := header(page, 0)
	if err != nil {
		return ""
	}
	for i := uint64(0); i < c.PHNum; i++ {
		typ, s, ok := c.phdr(r, i)
		if !ok {
			return ""
		}
		if typ != ptNote {
			continue
		}
		end := s.Offset + s.Filesz
		if end < s.Offset || end > uint64(len(page)) {
			continue
		}
		var id string
		forEachNote(c.Order, page[s.Offset:end], func(name string, typ uint32, desc []byte) {
			if id == "" && name == "GNU" && typ == ntGNUBuild {
				id = hex.EncodeToString(desc)
			}
		})
		if id != "" {
			return id
		}
	}
	return ""
}
