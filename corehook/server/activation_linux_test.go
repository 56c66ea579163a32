//go:build linux

package server

import (
	"github.com/quirkcheck/quirk/expand/testenv"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The child half of TestSocketActivation: systemd would have set
// LISTEN_PID to this pid before exec; the parent cannot know it, so the
// child sets it (that is the only step of systemd's played here).
func TestActivationChild(t *testing.T) {
	if os.Getenv("QUIRK_ACTIVATION_CHILD") != "1" {
		t.Skip("child process of TestSocketActivation")
	}
	os.Setenv("LISTEN_PID", strconv.Itoa(os.Getpid()))
	l, err := Activated()
	if err != nil || l == nil {
		t.Fatalf("Activated() = %v, %v", l, err)
	}
	if os.Getenv("LISTEN_FDS") != "" {
		t.Fatal("LISTEN_FDS left for children")
	}
	if err := NonDumpable(); err != nil {
		t.Fatal(err)
	}
	if d, _ := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0); d != 0 {
		t.Fatalf("still dumpable (%d)", d)
	}
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("ok"))
	c.Close()
}

func TestSocketActivation(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f, err := l.File()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestActivationChild$", "-test.v")
	cmd.Env = append(os.Environ(), "QUIRK_ACTIVATION_CHILD=1", "LISTEN_FDS=1")
	cmd.ExtraFiles = []*os.File{f} // fd 3
	out, werr := os.CreateTemp(t.TempDir(), "out")
	if werr != nil {
		t.Fatal(werr)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	b, _ := io.ReadAll(c)
	c.Close()
	err = cmd.Wait()
	log, _ := os.ReadFile(out.Name())
	if err != nil || string(b) != "ok" {
		t.Fatalf("child: %v, answered %q\n%s", err, b, log)
	}
}

// The server refuses to run in another mount namespace: the kernel would
// connect to the path as init sees it, not as we do.
func TestRefusesForeignMountNamespace(t *testing.T) {
	if os.Getenv("QUIRK_NS_CHILD") == "1" {
		if err := CheckInitNamespaces("/proc"); err == nil {
			t.Fatal("CheckInitNamespaces accepted a new mount namespace")
		}
		return
	}
	if err := CheckInitNamespaces("/proc"); err != nil {
		t.Skipf("the test itself does not run in the initial namespaces: %v", err)
	}
	testenv.NeedRoot(t, "unshare -m")
	testenv.NeedTool(t, "unshare")
	cmd := exec.Command("unshare", "-m", os.Args[0], "-test.run=^TestRefusesForeignMountNamespace$")
	cmd.Env = append(os.Environ(), "QUIRK_NS_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
