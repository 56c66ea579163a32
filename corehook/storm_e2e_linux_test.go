package corehook_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/quirkcheck/quirk/corehook"
	"github.com/quirkcheck/quirk/corehook/internal/kerneltest"
	"github.com/quirkcheck/quirk/corehook/storm"
)

const stormCrasher = `#include <stdio.h>
__attribute__((noinline)) void crash_here(volatile int *p) { *p = 42; }
int main(void) { crash_here((int *)0); return 0; }
`

// TestStormEndToEnd installs the handler into the live core_pattern with storm control on and
// crashes one program 64 times at once (core_pipe_limit 64). While the storm runs, handlers
// caught holding the state lock are stopped and SIGKILLed there. Afterwards every crash the
// kernel handed to a handler (the crasher's wait status says "core dumped") is accounted:
// received = stored + metadata only + dropped, each has a sidecar or a dropped.log line,
// identical crashes beyond the first 3 are deduplicated, and the state is consistent for the
// next handler.
func TestStormEndToEnd(t *testing.T) {
	kerneltest.RequireRoot(t, "gcc", "go")
	kerneltest.Lock(t)
	kerneltest.GuardKnobs(t)

	dir, err := os.MkdirTemp("", "s")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	run := func(wd, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = wd
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}
	modRoot := filepath.Dir(strings.TrimSpace(run(".", "go", "env", "GOMOD")))
	quirk := filepath.Join(dir, "quirk")
	run(modRoot, "go", "build", "-o", quirk, "./cmd/quirk")
	if err := os.WriteFile(filepath.Join(dir, "segv.c"), []byte(stormCrasher), 0o644); err != nil {
		t.Fatal(err)
	}
	run(dir, "gcc", "-O0", "-o", filepath.Join(dir, "segv"), "segv.c")

	conf, store, state := filepath.Join(dir, "c"), filepath.Join(dir, "st"), filepath.Join(dir, "state", "storm")
	cfg := fmt.Sprintf("Store = %s\nCompress = no\nMaxUse = infinity\nKeepFree = 0\nLog = %s\nStormState = %s\n"+
		"StormDedup = 3\nStormBurst = 1000\nStormRate = 0\nStormWriters = 4\nStormSlotWait = 30s\n", store, filepath.Join(dir, "log"), state)
	if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	run(dir, quirk, "corehook", "install", "--config", conf, "--pipe-limit", "64")
	defer run("/", quirk, "corehook", "uninstall", "--config", conf, "--force")

	const n, nobody = 64, 65534
	crashOnce := func() (pid int, dumped bool, err error) {
		cmd := exec.Command("/bin/sh", "-c", `ulimit -c unlimited 2>/dev/null; exec "$0"`, filepath.Join(dir, "segv"))
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		err = cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return 0, false, fmt.Errorf("no crash: %v", err)
		}
		return cmd.Process.Pid, ee.Sys().(syscall.WaitStatus).CoreDump(), nil
	}
	stop := make(chan struct{})
	killedCh := make(chan []int, 1)
	go func() { killedCh <- killHoldersOfStateLock(state, quirk, 2, stop) }()

	type result struct {
		pid    int
		dumped bool
		err    error
	}
	results := make(chan result, n)
	for range n {
		go func() {
			pid, dumped, err := crashOnce()
			results <- result{pid, dumped, err}
		}()
	}
	var dumped []int
	for range n {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.dumped {
			dumped = append(dumped, r.pid)
		}
	}
	close(stop)
	killed := <-killedCh
	t.Logf("%d of %d crashes handed to a handler; handlers killed holding the state lock: %v", len(dumped), n, killed)
	waitNoHandlers(t, quirk)
	// One more crash: its handler finds the dead handlers' admitted crashes and counts them.
	lastPID, lastDumped, err := crashOnce()
	if err != nil || !lastDumped {
		t.Fatalf("last crash: dumped %v, %v", lastDumped, err)
	}
	dumped = append(dumped, lastPID)
	waitNoHandlers(t, quirk)

	var st corehook.Status
	if err := json.Unmarshal([]byte(run(dir, quirk, "corehook", "status", "--json", "--config", conf)), &st); err != nil {
		t.Fatal(err)
	}
	if st.Storm == nil || st.Storm.Counters == nil {
		t.Fatalf("status has no storm counters: %+v", st.Storm)
	}
	c := *st.Storm.Counters
	t.Logf("counters %+v", c)
	// A crasher whose handler was killed before reading its stream is not "core dumped" (the
	// kernel's write failed), yet its crash reached a handler: it may be received on top.
	if c.Received < uint64(len(dumped)) || c.Received > uint64(len(dumped)+len(killed)) ||
		c.Received != c.Stored+c.MetadataOnly+c.Dropped || c.InFlight != 0 {
		t.Errorf("counters %+v for %d crashes handed to handlers (%d handlers killed): not all accounted", c, len(dumped), len(killed))
	}
	if c.Stored > 3 || c.Deduplicated < uint64(len(dumped)-3-len(killed)) {
		t.Errorf("counters %+v: identical crashes should be stored 3 times at most, the rest deduplicated", c)
	}
	if c.HandlerDied != uint64(len(killed)) || c.Repairs < uint64(len(killed)) {
		t.Errorf("counters %+v: %d handlers killed holding the lock", c, len(killed))
	}

	// Every crash has its record: a sidecar, or a dropped.log line.
	var metas []corehook.Meta
	if err := json.Unmarshal([]byte(run(dir, quirk, "corehook", "list", "--json", "--config", conf)), &metas); err != nil {
		t.Fatal(err)
	}
	byPID := map[int]corehook.Meta{}
	for _, m := range metas {
		byPID[m.PID] = m
	}
	dropLog, _ := os.ReadFile(filepath.Join(store, "dropped.log"))
	frames := map[string]bool{}
	for _, pid := range dumped {
		m, ok := byPID[pid]
		if !ok {
			if !strings.Contains(string(dropLog), fmt.Sprintf(`"pid-%d"`, pid)) {
				t.Errorf("crash %d: no sidecar and no dropped.log line", pid)
			}
			continue
		}
		if m.CorePath == "" && m.Dropped != "storm: deduplicated" {
			t.Errorf("crash %d: no core, dropped %q", pid, m.Dropped)
		}
		frames[m.FaultFrame+" "+m.Signature] = true
	}
	if len(frames) != 1 {
		t.Errorf("identical crashes gave %d signatures: %v", len(frames), frames)
	}
	for f := range frames {
		if !strings.Contains(f, "/segv+0x") {
			t.Errorf("fault frame %q does not name the crasher's code", f)
		}
	}
}

// killHoldersOfStateLock watches the state lock's futex word; when one of our handlers holds
// it, the handler is stopped, and if it still holds the lock when stopped it is SIGKILLed
// there. It returns the PIDs killed, at most max.
func killHoldersOfStateLock(state, quirk string, max int, stop <-chan struct{}) []int {
	var killed []int
	var mem []byte
	defer func() {
		if mem != nil {
			syscall.Munmap(mem)
		}
	}()
	for len(killed) < max {
		select {
		case <-stop:
			return killed
		default:
		}
		if mem == nil {
			f, err := os.Open(state)
			if err == nil {
				mem, _ = syscall.Mmap(int(f.Fd()), 0, 4096, syscall.PROT_READ, syscall.MAP_SHARED)
				f.Close()
			}
			if mem == nil {
				time.Sleep(time.Millisecond)
				continue
			}
		}
		word := (*uint32)(unsafe.Pointer(&mem[storm.LockOffset]))
		tid := int(atomic.LoadUint32(word) & 0x3fffffff)
		if tid == 0 {
			continue
		}
		pid := tgid(tid)
		if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); pid <= 0 || exe != quirk {
			continue
		}
		syscall.Kill(pid, syscall.SIGSTOP)
		for range 1000 {
			if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); len(b) == 0 || strings.Contains(string(b), ") T ") {
				break
			}
			time.Sleep(10 * time.Microsecond)
		}
		if int(atomic.LoadUint32(word)&0x3fffffff) == tid {
			syscall.Kill(pid, syscall.SIGKILL)
			killed = append(killed, pid)
		} else {
			syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	return killed
}

// tgid is the process a thread belongs to.
func tgid(tid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid))
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Tgid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return -1
}

// waitNoHandlers waits until no process runs our quirk binary.
func waitNoHandlers(t *testing.T, quirk string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		busy := false
		des, _ := os.ReadDir("/proc")
		for _, de := range des {
			if _, err := strconv.Atoi(de.Name()); err != nil {
				continue
			}
			if exe, _ := os.Readlink("/proc/" + de.Name() + "/exe"); exe == quirk {
				busy = true
				break
			}
		}
		if !busy {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("handlers still running after 2 minutes")
}
