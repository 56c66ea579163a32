//go:build linux && (amd64 || arm64)

package plock

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// layoutFields are the pthread_mutex_t members compared with glibc, in Go field order.
var layoutFields = []string{"lock", "count", "owner", "nusers", "kind", "spins", "prev", "next"}

// TestLayoutArm64 checks the arm64 Mutex against glibc's aarch64 pthread_mutex_t without an
// arm64 machine. glibc's side: aarch64-linux-gnu-gcc compiles testdata/layout_arm64.c to
// assembly, where offsetof/sizeof appear as immediates. Go's side: the arm64 struct file,
// type-checked with the gc compiler's arm64 sizes; and, where qemu-aarch64 exists, the same
// numbers from unsafe.Offsetof in this test package cross-compiled for arm64 and run under it.
func TestLayoutArm64(t *testing.T) {
	cc, err := exec.LookPath("aarch64-linux-gnu-gcc")
	if err != nil {
		skipOrFail(t, "aarch64-linux-gnu-gcc not found (apt-get install gcc-aarch64-linux-gnu)")
	}
	asm, err := exec.Command(cc, "-S", "-o", "-", "testdata/layout_arm64.c").CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cc, err, asm)
	}
	glibc := map[string]int64{}
	for _, m := range regexp.MustCompile(`@@@ (\w+) #?(\d+)`).FindAllStringSubmatch(string(asm), -1) {
		glibc[m[1]], _ = strconv.ParseInt(m[2], 10, 64)
	}
	if len(glibc) != len(layoutFields)+3 {
		t.Fatalf("constants from the aarch64 assembly: %v", glibc)
	}
	if glibc["robust"] != 1 {
		t.Fatalf("PTHREAD_MUTEX_ROBUST is %d on aarch64", glibc["robust"])
	}

	goSide := arm64LayoutFromSource(t)
	compare := func(who string, got map[string]int64) {
		for _, k := range append([]string{"sizeof", "align"}, layoutFields...) {
			if got[k] != glibc[k] {
				t.Errorf("%s: %s is %d, glibc aarch64 %d", who, k, got[k], glibc[k])
			}
		}
	}
	compare("go/types arm64", goSide)

	t.Run("qemu", func(t *testing.T) {
		qemu, err := exec.LookPath("qemu-aarch64")
		if err != nil {
			t.Skip("qemu-aarch64 not found: the go/types check above stands alone")
		}
		bin := filepath.Join(t.TempDir(), "plock.test")
		build := exec.Command("go", "test", "-c", "-o", bin, ".")
		build.Env = append(os.Environ(), "GOARCH=arm64", "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("cross-compile: %v\n%s", err, out)
		}
		run := exec.Command(qemu, bin, "-test.run=^TestPrintLayout$", "-test.v")
		run.Env = append(os.Environ(), "PLOCK_PRINT_LAYOUT=1")
		out, err := run.CombinedOutput()
		if err != nil {
			t.Fatalf("qemu: %v\n%s", err, out)
		}
		m := regexp.MustCompile(`layout (.*)`).FindStringSubmatch(string(out))
		if m == nil {
			t.Fatalf("no layout line from the arm64 test binary:\n%s", out)
		}
		compare("unsafe.Offsetof under qemu-aarch64", parseLayout(t, m[1]))
	})
}

// TestPrintLayout prints this architecture's Mutex layout for TestLayoutArm64's qemu run.
func TestPrintLayout(t *testing.T) {
	if os.Getenv("PLOCK_PRINT_LAYOUT") == "" {
		t.Skip("run by TestLayoutArm64")
	}
	var m Mutex
	fmt.Printf("layout sizeof=%d align=%d lock=%d count=%d owner=%d nusers=%d kind=%d spins=%d prev=%d next=%d\n",
		unsafe.Sizeof(m), unsafe.Alignof(m), unsafe.Offsetof(m.lock), unsafe.Offsetof(m.count),
		unsafe.Offsetof(m.owner), unsafe.Offsetof(m.nusers), unsafe.Offsetof(m.kind),
		unsafe.Offsetof(m.spins), unsafe.Offsetof(m.prev), unsafe.Offsetof(m.next))
}

func parseLayout(t *testing.T, s string) map[string]int64 {
	got := map[string]int64{}
	for _, kv := range strings.Fields(s) {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("bad layout %q", s)
		}
		got[k] = n
	}
	return got
}

// arm64LayoutFromSource type-checks mutex_linux_arm64.go with gc's arm64 sizes.
func arm64LayoutFromSource(t *testing.T) map[string]int64 {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "mutex_linux_arm64.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	sizes := types.SizesFor("gc", "arm64")
	conf := types.Config{Sizes: sizes, Importer: importer.Default()}
	pkg, err := conf.Check("plock", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := pkg.Scope().Lookup("Mutex").Type().Underlying().(*types.Struct)
	fields := make([]*types.Var, st.NumFields())
	for i := range fields {
		fields[i] = st.Field(i)
	}
	offs := sizes.Offsetsof(fields)
	got := map[string]int64{"sizeof": sizes.Sizeof(st), "align": sizes.Alignof(st)}
	for i, fv := range fields {
		got[fv.Name()] = offs[i]
	}
	return got
}
