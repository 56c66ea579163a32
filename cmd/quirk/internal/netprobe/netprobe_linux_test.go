package netprobe

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/expand/testenv"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/quirkcheck/quirk/netprobe"
	"golang.org/x/sys/unix"
)

// The test binary doubles as `quirk netprobe` inside a fresh network
// namespace made by unshare(1): NETPROBE_CLI_ARGS holds the arguments, and
// NETPROBE_CLI_GROUP=1 first opens a SO_REUSEPORT pair of listeners so scan
// has something to find.
func TestMain(m *testing.M) {
	if args := os.Getenv("NETPROBE_CLI_ARGS"); args != "" {
		if os.Getenv("NETPROBE_CLI_GROUP") == "1" {
			if err := reusePortPair(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(99)
			}
		}
		os.Exit(Main(context.Background(), &base.Invocation{Name: "netprobe", Args: strings.Fields(args), Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
	}
	os.Exit(m.Run())
}

func reusePortPair() error {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var soErr error
		if err := c.Control(func(fd uintptr) { soErr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1) }); err != nil {
			return err
		}
		return soErr
	}}
	a, err := lc.Listen(context.Background(), "tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	_, err = lc.Listen(context.Background(), "tcp4", a.Addr().String())
	return err
}

// inNetns runs the CLI in a new network namespace with loopback up.
func inNetns(t *testing.T, group bool, args ...string) (int, string) {
	t.Helper()
	testenv.NeedRoot(t, "a private network namespace")
	testenv.NeedTool(t, "unshare")
	cmd := exec.Command("unshare", "-n", "sh", "-c", `ip link set lo up && exec "$0"`, os.Args[0])
	cmd.Env = append(os.Environ(), "NETPROBE_CLI_ARGS="+strings.Join(args, " "))
	if group {
		cmd.Env = append(cmd.Env, "NETPROBE_CLI_GROUP=1")
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if stderr.Len() > 0 {
		t.Logf("stderr: %s", stderr.String())
	}
	return code, string(out)
}

func TestScanExitCodes(t *testing.T) {
	code, out := inNetns(t, false, "scan", "--json")
	if code != exitOK || strings.TrimSpace(out) != `{
  "source": "sock_diag",
  "sockets": [],
  "findings": []
}` {
		t.Errorf("empty namespace: exit %d\n%s", code, out)
	}

	code, out = inNetns(t, true, "scan", "--json")
	var res netprobe.ScanResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// BPF programs are global: another test's SK_REUSEPORT program may
	// show up as a steering finding here; it is not this test's business.
	res.Findings = slices.DeleteFunc(res.Findings, func(f netprobe.Finding) bool { return f.Kind == netprobe.KindSteering })
	if code != exitFindings || len(res.Sockets) != 2 || len(res.Findings) != 1 || res.Findings[0].Kind != netprobe.KindShared {
		t.Errorf("reuse-port pair: exit %d\n%s", code, out)
	}
	if res.Sockets[0].Processes[0].PID == 0 {
		t.Errorf("no process attached: %+v", res.Sockets[0])
	}

	code, out = inNetns(t, true, "scan")
	if code != exitFindings || !strings.Contains(out, "shared tcp/") {
		t.Errorf("text scan: exit %d\n%s", code, out)
	}
}

func TestMatrixCLI(t *testing.T) {
	code, out := inNetns(t, false, "matrix", "--json")
	var rep netprobe.MatrixReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != exitOK || !rep.Isolated || len(rep.Rows) < 40 {
		t.Errorf("exit %d, isolated %v, %d rows", code, rep.Isolated, len(rep.Rows))
	}
	code, out = inNetns(t, false, "matrix")
	if code != exitOK || !strings.Contains(out, "0 differ from the documentation") {
		t.Errorf("text matrix: exit %d\n%s", code, out)
	}
}

func TestCheckCLI(t *testing.T) {
	// Nothing holds the port: the binds succeed, nothing is takeable.
	code, out := inNetns(t, false, "check", "127.0.0.1:4242", "--udp")
	if code != exitOK || !strings.Contains(out, "no socket holds this address") || !strings.Contains(out, "udp ") {
		t.Errorf("free port: exit %d\n%s", code, out)
	}
}
