package netprobe

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// TestAdviseHugePages: the aligned interior of a big slice is marked for
// huge pages (VmFlags "hg" in /proc/self/smaps), a small one is left alone,
// and the slice stays usable.
func TestAdviseHugePages(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("no transparent huge pages on this kernel")
	}
	big := make([]Socket, 5*hugePage/int(unsafe.Sizeof(Socket{})))
	adviseHugePages(big)
	start := uintptr(unsafe.Pointer(&big[0]))
	aligned := (start + hugePage - 1) &^ (hugePage - 1)
	if flags := vmFlagsAt(t, aligned); !strings.Contains(" "+flags+" ", " hg ") {
		t.Errorf("VmFlags of the advised range: %q, want hg", flags)
	}
	small := make([]byte, hugePage)
	adviseHugePages(small)
	if flags := vmFlagsAt(t, uintptr(unsafe.Pointer(&small[0]))); strings.Contains(" "+flags+" ", " hg ") {
		t.Errorf("a one-huge-page slice was advised: %q", flags)
	}
	for i := range big {
		big[i].Port = uint16(i)
	}
	if big[len(big)-1].Port != uint16(len(big)-1) {
		t.Error("the advised slice lost a write")
	}
}

// vmFlagsAt is the VmFlags line of the mapping holding addr.
func vmFlagsAt(t *testing.T, addr uintptr) string {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 && strings.Contains(line, " ") && !strings.HasSuffix(strings.Fields(line)[0], ":") {
			in = lo <= addr && addr < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmFlags:"))
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
	return ""
}
