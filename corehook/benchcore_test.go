package corehook

import (
	"io"
	"math/rand/v2"
	"strconv"

	"github.com/quirkcheck/quirk/corehook/internal/synthcore"
)

// writeBenchCore writes the benchmark mix (as bench/gencore does): 16 MiB
// mappings, 60% zeros, 30% text, 10% random.
func writeBenchCore(w io.Writer, mib int) (int64, error) {
	const mapping = 16 << 20
	rnd := rand.New(rand.NewPCG(42, 7))
	words := []string{"request", "handler", "session", "timeout", "ERROR", "connection", "reset", "GET", "/api/v1/items", "\n"}
	var maps []synthcore.Mapping
	for i := 0; i < mib/16; i++ {
		var fill func(io.Writer) error
		switch i % 10 {
		case 0, 3, 6:
			fill = func(w io.Writer) error {
				buf := make([]byte, 0, mapping)
				for len(buf) < mapping {
					buf = append(buf, words[rnd.IntN(len(words))]...)
					buf = strconv.AppendUint(buf, uint64(rnd.IntN(100000)), 10)
					buf = append(buf, ' ')
				}
				_, err := w.Write(buf[:mapping])
				return err
			}
		case 8:
			fill = func(w io.Writer) error {
				buf := make([]byte, mapping)
				for i := range buf {
					buf[i] = byte(rnd.Uint32())
				}
				_, err := w.Write(buf)
				return err
			}
		default:
			fill = synthcore.Zeros(mapping)
		}
		maps = append(maps, synthcore.Mapping{Size: mapping, Fill: fill})
	}
	return synthcore.Write(w, synthcore.Spec{PID: 1, Signal: 11, Comm: "bench", ExePath: "/bench", BuildID: []byte{1}, Mappings: maps})
}
