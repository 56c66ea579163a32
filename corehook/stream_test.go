package corehook

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/corehook/internal/synthcore"
)

// Notes larger than one read chunk are gathered across chunks.
func TestStreamNotesSpanChunks(t *testing.T) {
	var b bytes.Buffer
	long := "/" + strings.Repeat("x", 3<<20)
	if _, err := synthcore.Write(&b, synthcore.Spec{PID: 9, Signal: 6, Comm: "big", ExePath: long, BuildID: []byte{7, 7}}); err != nil {
		t.Fatal(err)
	}
	released := 0
	res := streamCore(bytes.NewReader(b.Bytes()), nil, nil, streamLimits{}, func() { released++ })
	if res.ParseErr != nil || res.Core == nil || res.Core.PID != 9 || len(res.Core.Files) != 1 || res.Core.Files[0].Path != long {
		t.Fatalf("parse across chunks: %v %+v", res.ParseErr, res.Core)
	}
	if len(res.BuildIDs) != 1 || res.BuildIDs[0].ID != "0707" {
		t.Fatalf("build-ids %+v", res.BuildIDs)
	}
	if released != 1 || !res.EOF || res.Size != uint64(b.Len()) {
		t.Fatalf("released %d eof %v size %d", released, res.EOF, res.Size)
	}
}

type failAfter struct {
	n   int
	err error
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n < len(p) {
		return 0, f.err
	}
	f.n -= len(p)
	return len(p), nil
}
func (f *failAfter) DiskBytes() int64   { return 0 }
func (f *failAfter) Finish(int64) error { return nil }

// A full disk stops the stream at once and releases the crasher.
func TestStreamWriteErrorReleases(t *testing.T) {
	core := synthCore(t, 1000)
	released := 0
	full := errors.New("no space left on device")
	res := streamCore(bytes.NewReader(core), &failAfter{n: 2 << 20, err: full}, nil, streamLimits{}, func() { released++ })
	if !errors.Is(res.WriteErr, full) || released != 1 || res.EOF {
		t.Fatalf("write error: %v released %d eof %v", res.WriteErr, released, res.EOF)
	}
}

// A sparse file reads back identical whatever the chunking.
func TestSparseFileOddWrites(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "s"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want bytes.Buffer
	sw := newSparseFile(f)
	for i, n := range []int{1, 4095, 4097, 10000, 8192, 3, 70000} {
		p := make([]byte, n)
		if i%2 == 1 {
			for j := range p {
				p[j] = byte(j%251 + 1)
			}
		}
		want.Write(p)
		if _, err := sw.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Finish(int64(want.Len())); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(f.Name())
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("sparse file differs from its input")
	}
}
