package fscred

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/quirkcheck/quirk/expand/testenv"
)

const nobody = 65534

// The main goroutine keeps the process's main thread. The Go runtime cannot
// end the main thread, so a locked goroutine exiting on it wedges it
// instead (parked for good, also never reused); with the main thread
// taken, Do's goroutine always runs on a thread that can end, and the test
// below can watch it go.
func init() { runtime.LockOSThread() }

// worldDir is a sticky world-writable directory, so that nobody may create
// files in it while the test itself stays root.
func worldDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "fscred")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o1777); err != nil {
		t.Fatal(err)
	}
	return dir
}

func owner(t *testing.T, path string) (uid, gid uint32) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Uid, st.Gid
}

// taskAlive reports whether thread tid of this process still exists,
// waiting a little for a thread that is on its way out.
func taskAlive(tid int, wantAlive bool) bool {
	path := "/proc/self/task/" + strconv.Itoa(tid)
	for range 200 {
		_, err := os.Stat(path)
		if alive := err == nil; alive == wantAlive {
			return alive
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, err := os.Stat(path)
	return err == nil
}

func TestDoCreatesAsOtherUser(t *testing.T) {
	testenv.NeedRoot(t, "setfsuid to another user")
	dir := worldDir(t)
	var tid int
	err := Do(nobody, nobody, func() error {
		tid = unix.Gettid()
		return os.WriteFile(filepath.Join(dir, "theirs"), nil, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	if uid, gid := owner(t, filepath.Join(dir, "theirs")); uid != nobody || gid != nobody {
		t.Errorf("file made in Do is owned by %d:%d, want %d:%d", uid, gid, nobody, nobody)
	}
	// The rest of the process kept its credentials.
	if err := os.WriteFile(filepath.Join(dir, "ours"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if uid, _ := owner(t, filepath.Join(dir, "ours")); uid != 0 {
		t.Errorf("file made after Do is owned by %d, want 0", uid)
	}
	// A verified restore gives the thread back to the scheduler alive.
	if !taskAlive(tid, true) {
		t.Errorf("thread %d ended although its credentials were restored", tid)
	}
	// Access checks use the fsuid too: nobody cannot read root's 0600 file.
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = Do(nobody, nobody, func() error {
		_, err := os.ReadFile(secret)
		return err
	})
	if !errors.Is(err, os.ErrPermission) {
		t.Errorf("reading root's 0600 file as nobody: %v, want permission denied", err)
	}
}

// giveThreadAway is the attack on the policy: a raw setresuid changes this
// thread only, and drops its capabilities, so the restore to fsuid 0
// silently fails.
func giveThreadAway(tid *int) func() error {
	return func() error {
		*tid = unix.Gettid()
		if _, _, errno := unix.RawSyscall(unix.SYS_SETRESUID, nobody, nobody, nobody); errno != 0 {
			return errno
		}
		return nil
	}
}

// A thread left as nobody must never run another goroutine: Do must let it
// die rather than unlock it, and say so.
func TestDoDiscardsThreadWhenRestoreFails(t *testing.T) {
	testenv.NeedRoot(t, "setfsuid to another user")
	var tid int
	if err := Do(nobody, nobody, giveThreadAway(&tid)); !errors.Is(err, ErrNotRestored) {
		t.Fatalf("Do = %v, want ErrNotRestored", err)
	}
	if taskAlive(tid, false) {
		t.Fatalf("thread %d, left with fsuid %d and no capabilities, went back to the scheduler", tid, nobody)
	}
	// The process as a whole is still root and can still switch.
	if err := Do(nobody, -1, func() error { return nil }); err != nil {
		t.Errorf("Do after a discarded thread: %v", err)
	}
}

// Switch on the caller's own goroutine, inside the caller's own
// Lock/UnlockOSThread pair (as netprobe's namespace thread): after a failed
// restore the thread stays locked when the caller unlocks its own lock, so
// it dies with the goroutine.
func TestSwitchKeepsFailedThreadLocked(t *testing.T) {
	testenv.NeedRoot(t, "setfsuid to another user")
	var tid int
	done := make(chan error)
	go func() {
		runtime.LockOSThread()
		err := Switch(nobody, -1, giveThreadAway(&tid))
		runtime.UnlockOSThread()
		done <- err
	}()
	if err := <-done; !errors.Is(err, ErrNotRestored) {
		t.Fatalf("Switch = %v, want ErrNotRestored", err)
	}
	if taskAlive(tid, false) {
		t.Fatalf("thread %d outlived its goroutine with fsuid %d", tid, nobody)
	}
}

func TestDoRefusesWhenSwitchFails(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can switch to any fsuid")
	}
	ran := false
	err := Do(os.Geteuid()+1, -1, func() error { ran = true; return nil })
	if !errors.Is(err, ErrNotSwitched) || ran {
		t.Errorf("Do as a non-root user: err %v, fn ran %v; want ErrNotSwitched and fn not run", err, ran)
	}
}
