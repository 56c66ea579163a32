package corehook

import (
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"
)

// Dump writes the decompressed core of m to path, sparse, refusing to
// replace an existing file.
func Dump(m *Meta, path string) error {
	r, done, err := openCoreReader(m)
	if err != nil {
		return err
	}
	defer done()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	sw := newSparseFile(f)
	buf := make([]byte, chunkSize)
	n, err := io.CopyBuffer(struct{ io.Writer }{sw}, r, buf)
	if err == nil {
		err = sw.Finish(n)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// DumpTo writes the decompressed core of m to w (dump -o -): a pipe or a
// terminal gets every byte, holes included.
func DumpTo(m *Meta, w io.Writer) error {
	r, done, err := openCoreReader(m)
	if err != nil {
		return err
	}
	defer done()
	_, err = io.CopyBuffer(w, r, make([]byte, chunkSize))
	return err
}

// openCoreReader opens the stored core of m, verified against its sidecar,
// and returns a reader of its decompressed bytes and the function that
// releases both.
func openCoreReader(m *Meta) (io.Reader, func(), error) {
	if m.CorePath == "" {
		return nil, nil, fmt.Errorf("crash %s has no stored core (%s)", m.ID, m.Dropped)
	}
	in, err := openStoredCore(m)
	if err != nil {
		return nil, nil, err
	}
	if m.Compression != "zstd" {
		return in, func() { in.Close() }, nil
	}
	dec, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1))
	if err != nil {
		in.Close()
		return nil, nil, err
	}
	return dec, func() { dec.Close(); in.Close() }, nil
}
