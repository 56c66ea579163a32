package netprobe

import (
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// loadBPF loads a two-instruction program (r0 = 1; exit: SK_PASS, "let the
// kernel choose as usual") of the given type.
func loadBPF(t *testing.T, progType, attachType uint32, name string) int {
	t.Helper()
	insns := []uint64{
		0x00000001000000b7, // mov64 r0, 1
		0x0000000000000095, // exit
	}
	license := []byte("GPL\x00")
	var attr struct {
		progType, insnCnt   uint32
		insns, license      uint64
		logLevel, logSize   uint32
		logBuf              uint64
		kernVersion, flags  uint32
		name                [16]byte
		ifindex, attachType uint32
	}
	attr.progType, attr.insnCnt = progType, uint32(len(insns))
	attr.insns = uint64(uintptr(unsafe.Pointer(&insns[0])))
	attr.license = uint64(uintptr(unsafe.Pointer(&license[0])))
	copy(attr.name[:], name)
	attr.attachType = attachType
	fd, _, e := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_LOAD, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	if e != 0 {
		t.Fatalf("BPF_PROG_LOAD %s: %v", name, e)
	}
	t.Cleanup(func() { unix.Close(int(fd)) })
	return int(fd)
}

// TestScanReportsSteering attaches the two kinds of BPF program that move
// traffic past bind() — an sk_lookup program on the namespace and an
// SK_REUSEPORT program on a SO_REUSEPORT group — and scan must report both.
func TestScanReportsSteering(t *testing.T) {
	inNetns(t, func() {
		res, err := Scan(ScanOptions{NoProcesses: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			if f.Kind == KindSteering && strings.Contains(f.Detail, "qk_") {
				t.Fatalf("steering reported before any was attached: %+v", f)
			}
		}

		lookup := loadBPF(t, unix.BPF_PROG_TYPE_SK_LOOKUP, unix.BPF_SK_LOOKUP, "qk_lookup")
		nsfd, err := unix.Open(selfNetns("/proc"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(nsfd)
		var link struct{ progFD, targetFD, attachType, flags uint32 }
		link.progFD, link.targetFD, link.attachType = uint32(lookup), uint32(nsfd), unix.BPF_SK_LOOKUP
		lfd, _, e := unix.Syscall(unix.SYS_BPF, unix.BPF_LINK_CREATE, uintptr(unsafe.Pointer(&link)), unsafe.Sizeof(link))
		if e != 0 {
			t.Fatalf("BPF_LINK_CREATE: %v", e)
		}
		defer unix.Close(int(lfd))

		reuse := loadBPF(t, unix.BPF_PROG_TYPE_SK_REUSEPORT, 0, "qk_reuseport")
		port := freePort(t)
		s := holdOne(t, spec("udp", "127.0.0.1", port, "rp"))
		holdOne(t, spec("udp", "127.0.0.1", port, "rp"))
		if err := unix.SetsockoptInt(s.fd, unix.SOL_SOCKET, unix.SO_ATTACH_REUSEPORT_EBPF, reuse); err != nil {
			t.Fatalf("SO_ATTACH_REUSEPORT_EBPF: %v", err)
		}

		res, err = Scan(ScanOptions{NoProcesses: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range res.Findings {
			if f.Kind == KindSteering {
				got = append(got, f.Detail)
			}
		}
		joined := strings.Join(got, "\n")
		for _, want := range []string{`sk_lookup BPF program (id `, `"qk_lookup", loaded by uid 0) is attached to this network namespace`, `SK_REUSEPORT BPF program`, `"qk_reuseport"`, `may pick the member of one of these SO_REUSEPORT groups`} {
			if !strings.Contains(joined, want) {
				t.Errorf("steering findings lack %q:\n%s", want, joined)
			}
		}
	})
}
