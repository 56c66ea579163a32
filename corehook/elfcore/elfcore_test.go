package elfcore

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/quirkcheck/quirk/corehook/internal/synthcore"
)

func synth(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	_, err := synthcore.Write(&b, synthcore.Spec{
		PID: 77, PPID: 1, UID: 1000, GID: 1000, Signal: 11, FaultAddr: 0xdead,
		Comm: "crashy", Args: "crashy --now", Secure: true, ExePath: "/usr/bin/crashy",
		BuildID:  []byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4},
		Mappings: []synthcore.Mapping{{Size: 8192, Fill: synthcore.Zeros(8192)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParseSynthetic(t *testing.T) {
	core := synth(t)
	need, err := Needed(core[:64])
	if !errors.Is(err, ErrShort) {
		t.Fatalf("Needed on the header alone: %d, %v", need, err)
	}
	need, err = Needed(core[:200])
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(core[:need])
	if err != nil {
		t.Fatal(err)
	}
	if c.Signal != 11 || c.PID != 77 || c.PPID != 1 || c.UID != 1000 || c.Fname != "crashy" || c.Args != "crashy --now" {
		t.Errorf("prstatus/prpsinfo: %+v", c)
	}
	if !c.HaveSig || c.SigAddr != 0xdead {
		t.Errorf("siginfo: have %v addr %#x", c.HaveSig, c.SigAddr)
	}
	if !c.Auxv.HaveSecure || !c.Auxv.Secure || c.Auxv.UID != 1000 {
		t.Errorf("auxv: %+v", c.Auxv)
	}
	if len(c.Files) != 1 || c.Files[0].Path != "/usr/bin/crashy" || c.Files[0].Start != 0x400000 {
		t.Errorf("files: %+v", c.Files)
	}
	if got := c.ExpectedSize(); got != uint64(len(core)) {
		t.Errorf("ExpectedSize = %d, file is %d", got, len(core))
	}
	pages := c.BuildIDPages(4096)
	if len(pages) != 1 {
		t.Fatalf("build-id pages: %+v", pages)
	}
	p := pages[0]
	if id := BuildID(core[p.Offset : p.Offset+p.Size]); id != "deadbeef01020304" {
		t.Errorf("build-id %q", id)
	}
}

func TestParseTruncatedNotes(t *testing.T) {
	core := synth(t)
	need, _ := Needed(core)
	c, err := Parse(core[:need-100])
	if !errors.Is(err, ErrShort) || c == nil || c.PID != 77 {
		t.Fatalf("partial parse: %+v, %v", c, err)
	}
}

func TestParseRejectsNonCore(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("hello world, not an elf at all......................................"), synthcore.ExePage([]byte{1})} {
		if _, err := Parse(b); err == nil {
			t.Errorf("Parse(%q...) succeeded", b[:min(len(b), 8)])
		}
	}
}

func TestBuildIDGarbage(t *testing.T) {
	page := synthcore.ExePage([]byte{0xab, 0xcd})
	if got := BuildID(page); got != hex.EncodeToString([]byte{0xab, 0xcd}) {
		t.Fatalf("BuildID = %q", got)
	}
	// A PT_NOTE pointing past the page yields nothing rather than a panic.
	page[64+32] = 0xff
	page[64+33] = 0xff
	if got := BuildID(page); got != "" {
		t.Fatalf("BuildID with a bad note size = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	core := synth(f)
	f.Add(core[:4096])
	f.Add(core[:300])
	f.Add(synthcore.ExePage([]byte{1, 2, 3}))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err == nil && c == nil {
			t.Fatal("nil Core without an error")
		}
		if c != nil {
			c.ExpectedSize()
			for _, p := range c.BuildIDPages(4096) {
				if p.Size > 4096 {
					t.Fatalf("page size %d", p.Size)
				}
			}
		}
		Needed(b)
		BuildID(b)
	})
}
