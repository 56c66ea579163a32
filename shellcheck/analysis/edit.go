package analysis

import (
	"bytes"
	"fmt"
	"slices"
)

// ApplyEdits applies non-overlapping edits to src and returns the result.
func ApplyEdits(src []byte, edits []TextEdit) ([]byte, error) {
	edits = slices.Clone(edits)
	slices.SortStableFunc(edits, func(a, b TextEdit) int { return a.Start - b.Start })
	var out bytes.Buffer
	last := 0
	for _, e := range edits {
		if e.Start < last || e.End < e.Start || e.End > len(src) {
			return nil, fmt.Errorf("overlapping or out-of-range edit at byte %d", e.Start)
		}
		out.Write(src[last:e.Start])
		out.WriteString(e.NewText)
		last = e.End
	}
	out.Write(src[last:])
	return out.Bytes(), nil
}
