package corehook

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"

	"github.com/quirkcheck/quirk/corehook/elfcore"
)

// FaultPC describes where the dumping thread stopped, for info when no gdb
// is installed: the program counter from the core's first NT_PRSTATUS, the
// mapped file it falls in (NT_FILE), and, when that file is the verified
// executable, the symbol from its symbol tables.
func FaultPC(m *Meta) (string, error) {
	if m.CorePath == "" {
		return "", errors.New("no stored core")
	}
	in, err := openStoredCore(m)
	if err != nil {
		return "", err
	}
	defer in.Close()
	var r io.Reader = in
	if m.Compression == "zstd" {
		dec, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return "", err
		}
		defer dec.Close()
		r = dec
	}
	prefix, err := io.ReadAll(io.LimitReader(r, prefixCap))
	if err != nil {
		return "", err
	}
	cc, err := elfcore.Parse(prefix)
	if cc == nil {
		return "", fmt.Errorf("core notes: %v", err)
	}
	if !cc.HavePC {
		return "", fmt.Errorf("no program counter for machine %d in the core's notes", cc.Machine)
	}
	for _, f := range cc.Files {
		if cc.PC < f.Start || cc.PC >= f.End {
			continue
		}
		off := cc.PC - f.Start + f.PageOffset
		where := fmt.Sprintf("%#x in %s+%#x", cc.PC, printableName(f.Path), off)
		// Symbols only from the executable /proc vouched for: NT_FILE
		// paths are the crasher's to choose.
		if m.ProcVerified && f.Path == m.Exe {
			if sym := symbolAt(m.Exe, off); sym != "" {
				where = fmt.Sprintf("%#x in %s (%s)", cc.PC, sym, printableName(f.Path))
			}
		}
		return where, nil
	}
	return fmt.Sprintf("%#x (in no mapped file)", cc.PC), nil
}

// symbolAt finds the function covering file offset off of the ELF file.
func symbolAt(path string, off uint64) (name string) {
	defer func() {
		if recover() != nil {
			name = "" // a malformed executable must not take info down
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	ef, err := elf.NewFile(f)
	if err != nil {
		return ""
	}
	var vaddr uint64
	found := false
	for _, p := range ef.Progs {
		if p.Type == elf.PT_LOAD && off >= p.Off && off < p.Off+p.Filesz {
			vaddr, found = off-p.Off+p.Vaddr, true
			break
		}
	}
	if !found {
		return ""
	}
	syms, _ := ef.Symbols()
	dyn, _ := ef.DynamicSymbols()
	for _, s := range append(syms, dyn...) {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && vaddr >= s.Value && vaddr < s.Value+max(s.Size, 1) {
			return fmt.Sprintf("%s+%#x", s.Name, vaddr-s.Value)
		}
	}
	return ""
}

func printableName(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			r = '?'
		}
		out = append(out, r)
	}
	return string(out)
}
