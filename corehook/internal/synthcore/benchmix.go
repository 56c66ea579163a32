package synthcore

import (
	"io"
	"math/rand/v2"
	"strconv"
)

// BenchMapping is the size of each mapping of the benchmark mix.
const BenchMapping = 16 << 20

var benchWords = []string{"request", "handler", "session", "timeout", "buffer", "client", "0x7ffd", "ERROR", "connection", "reset", "by", "peer", "user_id=", "GET", "/api/v1/items", "200", "OK", "\n"}

// BenchMix returns the mappings of the corehook benchmark core: mib MiB in
// 16 MiB mappings, about 60% zero pages (what a pipe delivers for untouched
// memory), 30% text and 10% random bytes, from a fixed seed. text fills the
// text mappings; nil means log-like words with random numbers, which are
// hard to compress.
func BenchMix(mib int, text func(io.Writer) error) []Mapping {
	rnd := rand.New(rand.NewPCG(42, 7))
	if text == nil {
		text = logText(rnd)
	}
	var maps []Mapping
	for i := 0; i < mib/16; i++ {
		var fill func(io.Writer) error
		switch i % 10 {
		case 0, 3, 6:
			fill = text
		case 8:
			fill = randomBytes(rnd)
		default:
			fill = Zeros(BenchMapping)
		}
		maps = append(maps, Mapping{Size: BenchMapping, Fill: fill})
	}
	return maps
}

func logText(rnd *rand.Rand) func(io.Writer) error {
	return func(w io.Writer) error {
		buf := make([]byte, 0, BenchMapping)
		for len(buf) < BenchMapping {
			buf = append(buf, benchWords[rnd.IntN(len(benchWords))]...)
			buf = strconv.AppendUint(buf, uint64(rnd.IntN(100000)), 10)
			buf = append(buf, ' ')
		}
		_, err := w.Write(buf[:BenchMapping])
		return err
	}
}

func randomBytes(rnd *rand.Rand) func(io.Writer) error {
	return func(w io.Writer) error {
		buf := make([]byte, BenchMapping)
		for i := 0; i+8 <= len(buf); i += 8 {
			v := rnd.Uint64()
			for j := range 8 {
				buf[i+j] = byte(v >> (8 * j))
			}
		}
		_, err := w.Write(buf)
		return err
	}
}
