package corehook

import (
	"io"

	"github.com/quirkcheck/quirk/corehook/internal/synthcore"
)

// writeBenchCore writes the benchmark mix that bench/gencore writes.
func writeBenchCore(w io.Writer, mib int) (int64, error) {
	return synthcore.Write(w, synthcore.Spec{PID: 1, Signal: 11, Comm: "bench", ExePath: "/bench", BuildID: []byte{1}, Mappings: synthcore.BenchMix(mib, nil)})
}
