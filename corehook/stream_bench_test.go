package corehook

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// benchCore is a 256 MiB synthetic core in the bench script's mix.
func benchCore(b *testing.B) []byte {
	b.Helper()
	var buf bytes.Buffer
	if _, err := writeBenchCore(&buf, 256); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func benchStream(b *testing.B, compress bool) {
	core := benchCore(b)
	dir := b.TempDir()
	b.SetBytes(int64(len(core)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Create(filepath.Join(dir, "out"))
		if err != nil {
			b.Fatal(err)
		}
		var dst sink = newSparseFile(f)
		if compress {
			if dst, err = newZstdFile(f); err != nil {
				b.Fatal(err)
			}
		}
		res := streamCore(bytes.NewReader(core), dst, nil, streamLimits{}, nil)
		if err := dst.Finish(int64(res.Size)); err != nil || res.Size != uint64(len(core)) {
			b.Fatal(err, res.Size)
		}
		f.Close()
	}
}

func BenchmarkStreamRawSparse(b *testing.B) { benchStream(b, false) }
func BenchmarkStreamZstd(b *testing.B)      { benchStream(b, true) }
