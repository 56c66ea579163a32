package corehook

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/quirkcheck/quirk/corehook/internal/synthcore"
)

// synthCore is a 7 MiB core: an exe page with a build-id, 5 MiB of zero
// pages around 1 MiB of random bytes.
func synthCore(t *testing.T, uid uint32) []byte {
	t.Helper()
	rnd := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	_, err := synthcore.Write(&b, synthcore.Spec{
		PID: 7, PPID: 1, UID: uid, GID: 0, Signal: 11, FaultAddr: 0x10,
		Comm: "crashy", Args: "crashy --now", ExePath: "/usr/bin/crashy", BuildID: []byte{0xca, 0xfe},
		Mappings: []synthcore.Mapping{
			{Size: 3 << 20, Fill: synthcore.Zeros(3 << 20)},
			{Size: 1 << 20, Fill: func(w io.Writer) error {
				p := make([]byte, 1<<20)
				for i := range p {
					p[i] = byte(rnd.Uint32())
				}
				_, err := w.Write(p)
				return err
			}},
			{Size: 2<<20 + 100, Fill: synthcore.Zeros(2<<20 + 100)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
