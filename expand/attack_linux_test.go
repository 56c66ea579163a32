//go:build linux

package expand_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quirkcheck/quirk/expand"
	"github.com/quirkcheck/quirk/expand/spec"
	"github.com/quirkcheck/quirk/expand/testenv"
)

// The attack suite: hostile words, scripts and spec files try to reach
// targets the test plants outside the sandbox (a secret file, a directory
// the sandbox user may write, a victim process of the sandbox user with a
// secret in its environment, a secret in quirk's own environment, a TCP
// listener, a path and an abstract AF_UNIX listener), through every mode
// (word with setup, --script, --spec, and the EvalEngines call that
// "check --confirm" makes) and every engine. Then fork bombs, endless
// loops, huge memory and output, and background and double-forked
// leftovers. Each test asserts that nothing reached its target.
//
// It needs root (the sandbox drops to uid 65534 only from root) and runs
// itself again inside a network namespace it creates, so the listeners it
// plants are on a loopback no other test shares. Under CI=true or
// QUIRK_REQUIRE_ROOT=1 missing root, a missing shell or a missing sandbox
// layer fails instead of skipping.

func requireStrict() bool {
	return testenv.Required(testenv.Root) || testenv.Required(testenv.Shells)
}

const attackNetnsEnv = "QUIRK_ATTACK_IN_NETNS"

func TestAttackSuite(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Unmet(t, testenv.Root, "the attack suite needs root")
	}
	if os.Getenv(attackNetnsEnv) == "" {
		reexecInNetns(t)
		return
	}
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("ip link set lo up: %v %s", err, out)
	}
	engines := attackEngines(t)
	tg := plantTargets(t)
	opts := expand.Options{RequireSandbox: requireStrict()}
	t.Run("control", tg.control)

	t.Run("setup", func(t *testing.T) {
		// No --allow-exec: "PATH=/usr/bin:/bin" gets past the refusal
		// (it is advisory), so only the sandbox stands in the way.
		cases := []expand.WordCase{{Setup: tg.payload(false), Word: `"$?"`, Arg0: "t.sh"}}
		got, err := expand.EvalEngines(t.Context(), engines, cases, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range engines {
			tg.check(t, e, got[e][0])
		}
	})
	t.Run("word with allow-exec", func(t *testing.T) {
		o := opts
		o.AllowExec = true
		cases := []expand.WordCase{{Setup: tg.payload(true), Word: `"$(cat ` + tg.secretFile + `)" "$(env)"`, Arg0: "t.sh"}}
		got, err := expand.EvalEngines(t.Context(), engines, cases, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range engines {
			tg.check(t, e, got[e][0])
		}
	})
	t.Run("confirm", func(t *testing.T) {
		// What "check --confirm" calls: EvalWords per engine, sandbox
		// required, glob files present.
		o := opts
		o.RequireSandbox = true
		o.Files = []string{"a", "b"}
		cases := []expand.WordCase{{Setup: tg.payload(false), Word: `"${@:0:1}"`, Arg0: "t.sh", Args: []string{"x"}}}
		for _, e := range engines {
			rs, err := expand.EvalWords(t.Context(), e, cases, o)
			if err != nil {
				if errors.Is(err, expand.ErrSandboxIncomplete) && !requireStrict() {
					t.Skipf("skipping: %v", err)
				}
				t.Fatal(err)
			}
			tg.check(t, e, rs[0])
		}
	})
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprintf("script allow-exec=%v", allow), func(t *testing.T) {
			o := opts
			o.AllowExec = allow
			runParallel(t, engines, func(e string) []expand.Result {
				rs, err := expand.EvalScripts(t.Context(), e, []expand.ScriptCase{{Script: tg.payload(allow), Arg0: "t.sh"}}, o)
				if err != nil {
					t.Error(err)
				}
				return rs
			}, tg.check)
		})
	}
	t.Run("spec", func(t *testing.T) {
		// Spec cases run with commands allowed, as trusted corpora do;
		// the sandbox must still hold (issue #8: spec commands ran as root).
		src := "#### hostile case\n" + tg.payload(true) + "\n## status: 0\n"
		f, err := spec.Parse(strings.NewReader(src), "hostile.test.sh")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := spec.Run(t.Context(), []*spec.File{f}, engines, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range rep.Cases[0].Outcomes {
			tg.check(t, o.Engine, o.Result)
		}
	})
	t.Run("resources", func(t *testing.T) { testResourceAttacks(t, engines, opts) })
}

// reexecInNetns runs this test again as the init of a new network
// namespace, so its listeners live on a private loopback.
func reexecInNetns(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatalf("unshare (util-linux) is needed for the attack suite: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, unshare, "--net", "--", os.Args[0], "-test.run=^TestAttackSuite$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), attackNetnsEnv+"=1")
	out, err := cmd.CombinedOutput()
	t.Logf("attack suite in a new network namespace:\n%s", out)
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestAttackSuite")) {
		t.Fatalf("attack suite failed: %v", err)
	}
}

func attackEngines(t *testing.T) []string {
	var engines []string
	for _, e := range expand.Engines() {
		if _, err := expand.FindEngine(e, ""); err != nil {
			if requireStrict() {
				t.Fatalf("%v (CI installs every shell)", err)
			}
			t.Logf("skipping engine %s: %v", e, err)
			continue
		}
		engines = append(engines, e)
	}
	return engines
}

func runParallel(t *testing.T, engines []string, run func(string) []expand.Result, check func(*testing.T, string, expand.Result)) {
	t.Helper()
	results := make([][]expand.Result, len(engines))
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Go(func() { results[i] = run(e) })
	}
	wg.Wait()
	for i, e := range engines {
		for _, r := range results[i] {
			check(t, e, r)
		}
	}
}

// targets are what the attacks aim at.
type targets struct {
	secretFile, secret string    // a world-readable file outside the sandbox
	rootOnly           string    // a file only root may read, holding secret too
	rootVictim         *exec.Cmd // "sleep" running as root
	writable           string    // a world-writable directory outside
	owned              string    // a file in it owned by the sandbox user
	ownedMtime         time.Time
	victim             *exec.Cmd // "sleep" running as the sandbox user
	victimSecret       string    // in the victim's environment
	callerSecret       string    // in quirk's own environment
	marker             string    // in the argv of every process an attack leaves behind
	tcp                net.Listener
	unixPath, unixAbs  string
	unixLn, abstractLn net.Listener
	mu                 sync.Mutex
	connections        []string
}

func token(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

func plantTargets(t *testing.T) *targets {
	tg := &targets{secret: token("SECRETFILE"), victimSecret: token("SECRETVICTIM"), callerSecret: token("SECRETCALLER")}
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	tg.marker = fmt.Sprintf("1234.%d", int(b[0])<<8|int(b[1]))
	dir, err := os.MkdirTemp("/tmp", "quirk-attack-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Chmod(dir, 0o755))
	tg.secretFile = filepath.Join(dir, "secret")
	must(os.WriteFile(tg.secretFile, []byte(tg.secret+"\n"), 0o644))
	tg.rootOnly = filepath.Join(dir, "root-only")
	must(os.WriteFile(tg.rootOnly, []byte(tg.secret+"\n"), 0o600))
	tg.writable = filepath.Join(dir, "open")
	must(os.Mkdir(tg.writable, 0o777))
	must(os.Chmod(tg.writable, 0o777))
	tg.owned = filepath.Join(tg.writable, "owned")
	must(os.WriteFile(tg.owned, []byte("mine\n"), 0o644))
	must(os.Chown(tg.owned, 65534, 65534))
	tg.ownedMtime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	must(os.Chtimes(tg.owned, tg.ownedMtime, tg.ownedMtime))
	t.Setenv("QUIRK_CALLER_SECRET", tg.callerSecret)

	tg.victim = exec.Command("sleep", "600")
	tg.victim.Env = []string{"QUIRK_VICTIM_SECRET=" + tg.victimSecret}
	tg.victim.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	must(tg.victim.Start())
	t.Cleanup(func() { _ = tg.victim.Process.Kill(); _ = tg.victim.Wait() })

	tg.rootVictim = exec.Command("sleep", "600")
	must(tg.rootVictim.Start())
	t.Cleanup(func() { _ = tg.rootVictim.Process.Kill(); _ = tg.rootVictim.Wait() })

	listen := func(network, addr string) net.Listener {
		ln, err := net.Listen(network, addr)
		must(err)
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				tg.mu.Lock()
				tg.connections = append(tg.connections, network+" "+addr)
				tg.mu.Unlock()
				c.Close()
			}
		}()
		return ln
	}
	tg.tcp = listen("tcp", "127.0.0.1:0")
	sockDir := filepath.Join(dir, "sock")
	must(os.Mkdir(sockDir, 0o777))
	must(os.Chmod(sockDir, 0o777))
	tg.unixPath = filepath.Join(sockDir, "listener")
	tg.unixLn = listen("unix", tg.unixPath)
	must(os.Chmod(tg.unixPath, 0o777))
	tg.unixAbs = token("quirk-attack")
	tg.abstractLn = listen("unix", "@"+tg.unixAbs)
	return tg
}

// payload is a POSIX sh script (valid in every engine's language) that
// goes for every target. With exec it may use command substitution and
// the like; without, only what gets past the advisory refusal.
func (tg *targets) payload(exec bool) string {
	port := tg.tcp.Addr().(*net.TCPAddr).Port
	vpid := tg.victim.Process.Pid
	lines := []string{
		"PATH=/usr/bin:/bin",
		// reads outside, other processes' /proc, the caller's environment
		"cat " + tg.secretFile + " " + tg.rootOnly,
		// the same with builtins only (the mvdan engine runs no command)
		"read -r x < " + tg.secretFile + "; echo \"$x\"",
		"read -r x < " + tg.rootOnly + "; echo \"$x\"",
		fmt.Sprintf("cat /proc/%d/environ /proc/%d/cmdline", vpid, vpid),
		"cat /proc/1/environ /proc/$PPID/environ",
		"for f in /proc/[0-9]*/environ; do cat \"$f\"; done",
		"env; set",
		"ls /root /home /run /var /sys /proc/1/root/tmp",
		// writes, chmod (even setuid) and re-dating outside
		"echo pwned > " + tg.writable + "/new",
		"chmod 4755 " + tg.owned,
		"touch -d 2001-01-01 " + tg.owned,
		"ln -s /etc/passwd " + tg.writable + "/link",
		// signals to outside processes
		fmt.Sprintf("kill -9 %d %d", vpid, tg.rootVictim.Process.Pid),
		fmt.Sprintf("kill -STOP %d %d", vpid, tg.rootVictim.Process.Pid),
		// loopback TCP, /dev/tcp, path and abstract AF_UNIX sockets
		fmt.Sprintf("echo hi > /dev/tcp/127.0.0.1/%d", port),
		fmt.Sprintf("busybox nc 127.0.0.1 %d </dev/null", port),
		fmt.Sprintf("perl -MSocket -e 'socket(S,PF_INET,SOCK_STREAM,0) or die \"socket: $!\\n\"; connect(S,pack_sockaddr_in(%d,inet_aton(\"127.0.0.1\"))) or die \"connect: $!\\n\"'", port),
		fmt.Sprintf("perl -MSocket -e 'socket(S,PF_UNIX,SOCK_STREAM,0) or die \"socket: $!\\n\"; connect(S,pack_sockaddr_un(\"%s\")) or die \"connect: $!\\n\"'", tg.unixPath),
		fmt.Sprintf("perl -MSocket -e 'socket(S,PF_UNIX,SOCK_STREAM,0) or die \"socket: $!\\n\"; connect(S,pack_sockaddr_un(\"\\0%s\")) or die \"connect: $!\\n\"'", tg.unixAbs),
		fmt.Sprintf("zmodload zsh/net/tcp && ztcp 127.0.0.1 %d", port),
		"zmodload zsh/net/socket && zsocket " + tg.unixPath,
		// background and double-forked leftovers
		"sleep " + tg.marker + " &",
		"(sleep " + tg.marker + " &)",
		"setsid sleep " + tg.marker + " &",
		"nohup sleep " + tg.marker + " >/dev/null 2>&1 &",
	}
	if exec {
		lines = append(lines,
			"x=$(cat "+tg.secretFile+"); echo \"$x\"",
			fmt.Sprintf("exec 3<>/dev/tcp/127.0.0.1/%d", port),
		)
	}
	return strings.Join(lines, "\n") + "\n"
}

// check asserts that nothing the result shows or left behind reached a
// target.
func (tg *targets) check(t *testing.T, engine string, r expand.Result) {
	t.Helper()
	if r.Err != nil && errors.Is(r.Err, expand.ErrSandboxIncomplete) {
		t.Fatalf("%s: %v", engine, r.Err)
	}
	for _, p := range tg.problems(r.Stdout + r.Stderr + strings.Join(r.Fields, "\x00")) {
		t.Errorf("%s: %s", engine, p)
	}
}

// problems lists every target the output seen or the machine's state shows
// was reached, and puts the targets back as they were.
func (tg *targets) problems(seen string) []string {
	var out []string
	for _, s := range []string{tg.secret, tg.victimSecret, tg.callerSecret} {
		if strings.Contains(seen, s) {
			out = append(out, fmt.Sprintf("leaked %s: %s", s, clip(seen)))
		}
	}
	entries, _ := os.ReadDir(tg.writable)
	for _, e := range entries {
		if e.Name() != "owned" {
			out = append(out, "created "+filepath.Join(tg.writable, e.Name()))
			os.Remove(filepath.Join(tg.writable, e.Name()))
		}
	}
	if st, err := os.Stat(tg.owned); err != nil || st.Mode() != 0o644 || !st.ModTime().Equal(tg.ownedMtime) {
		out = append(out, fmt.Sprintf("changed %s: %v", tg.owned, st))
		_ = os.Chmod(tg.owned, 0o644)
		_ = os.Chtimes(tg.owned, tg.ownedMtime, tg.ownedMtime)
	}
	for _, v := range []*exec.Cmd{tg.victim, tg.rootVictim} {
		if err := v.Process.Signal(syscall.Signal(0)); err != nil || procState(v.Process.Pid) == "Z" {
			out = append(out, fmt.Sprintf("killed victim process %d: %v", v.Process.Pid, err))
		}
		if procState(v.Process.Pid) == "T" {
			out = append(out, fmt.Sprintf("stopped victim process %d", v.Process.Pid))
			_ = v.Process.Signal(syscall.SIGCONT)
		}
	}
	// A connection is accepted asynchronously: give it a moment.
	time.Sleep(20 * time.Millisecond)
	tg.mu.Lock()
	conns := tg.connections
	tg.connections = nil
	tg.mu.Unlock()
	if len(conns) > 0 {
		out = append(out, fmt.Sprintf("reached listeners outside the sandbox: %v", conns))
	}
	if left := processesWith(tg.marker); len(left) > 0 {
		out = append(out, fmt.Sprintf("left processes behind: %v", left))
		for _, pid := range left {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	return out
}

// control runs the attack without the sandbox, as the sandbox user with
// quirk's environment, and requires that check would have seen it: a
// suite whose attacks reach nothing even unsandboxed proves nothing.
func (tg *targets) control(t *testing.T) {
	var lines []string
	for _, l := range strings.Split(tg.payload(true), "\n") {
		if !strings.HasPrefix(l, "kill ") && !strings.Contains(l, tg.marker) {
			lines = append(lines, l)
		}
	}
	cmd := exec.Command("bash", "-c", strings.Join(lines, "\n"))
	cmd.Env = os.Environ()
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, _ := cmd.CombinedOutput()
	got := strings.Join(tg.problems(string(out)), "\n")
	for _, want := range []string{"leaked " + tg.secret, "leaked " + tg.victimSecret, "leaked " + tg.callerSecret, "created ", "changed ", "tcp ", "unix " + tg.unixPath, "unix @" + tg.unixAbs} {
		if !strings.Contains(got, want) {
			t.Errorf("unsandboxed control: the check did not see %q; it saw:\n%s", want, got)
		}
	}
}

func procState(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	if i := bytes.LastIndexByte(data, ')'); i >= 0 && i+2 < len(data) {
		return string(data[i+2 : i+3])
	}
	return ""
}

// processesWith lists the PIDs whose command line contains marker.
func processesWith(marker string) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !bytes.Contains(data, []byte(marker)) {
			continue
		}
		var pid int
		if _, err := fmt.Sscan(filepath.Base(d), &pid); err == nil && pid != os.Getpid() {
			pids = append(pids, pid)
		}
	}
	return pids
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// testResourceAttacks: fork bombs, endless loops, huge memory and output
// end within the budget, leave nothing behind and do not take quirk down,
// in word and script mode and every engine.
func testResourceAttacks(t *testing.T, engines []string, base expand.Options) {
	marker := fmt.Sprintf("4321.%d", os.Getpid()%10000)
	attacks := []struct {
		name, src string
		mustFail  bool
	}{
		{"fork bomb", "PATH=/usr/bin; f() { sleep " + marker + " & f | f & }; f; wait", false},
		{"endless loop", "while :; do :; done", true},
		{"huge memory", "x=0123456789abcdef; while :; do x=$x$x; done", true},
		{"huge output", "x=0123456789abcdef0123456789abcdef; x=$x$x$x$x$x$x$x$x; while :; do echo $x$x$x$x; done", true},
	}
	o := base
	o.Timeout, o.CPUSeconds, o.MaxProcs, o.MemoryMiB = 3*time.Second, 1, 64, 256
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			start := time.Now()
			check := func(t *testing.T, e string, r expand.Result) {
				if a.mustFail && r.Err == nil && r.Status == 0 {
					t.Errorf("%s: %s ended well: %s", e, a.name, r)
				}
				if len(r.Stdout) > 17<<20 {
					t.Errorf("%s: kept %d bytes of output", e, len(r.Stdout))
				}
			}
			runParallel(t, engines, func(e string) []expand.Result {
				rs, err := expand.EvalWords(t.Context(), e, []expand.WordCase{{Setup: a.src, Word: "x"}}, o)
				if err != nil {
					t.Errorf("%s word: %v", e, err)
				}
				ss, err := expand.EvalScripts(t.Context(), e, []expand.ScriptCase{{Script: a.src}}, o)
				if err != nil {
					t.Errorf("%s script: %v", e, err)
				}
				return append(rs, ss...)
			}, check)
			if d := time.Since(start); d > 6*o.Timeout {
				t.Errorf("%s took %s for all engines", a.name, d)
			}
			if left := processesWith(marker); len(left) > 0 {
				t.Errorf("left processes behind: %v", left)
				for _, pid := range left {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		})
	}
	t.Run("memory of the whole tree", func(t *testing.T) {
		// Four subshells of 32 MiB each (64 MiB while doubling) stay far
		// below the 2 GiB address-space limit of each process, but not
		// below the cgroup's 96 MiB for the tree: some must be killed.
		o := base
		o.MemoryMiB, o.Timeout = 96, 20*time.Second
		src := `grow() { x=0123456789abcdef; i=0; while [ $i -lt 21 ]; do x=$x$x; i=$((i+1)); done; sleep 2; }
for n in 1 2 3 4; do grow & done
for n in 1 2 3 4; do wait -n; echo "status $?"; done`
		rs, err := expand.EvalScripts(t.Context(), "bash", []expand.ScriptCase{{Script: src}}, o)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(rs[0].Stdout, "status 137") {
			t.Errorf("no subshell was killed for the tree's memory: %s", rs[0])
		}
	})
	// Every sandbox's cgroup is gone with it.
	left, _ := filepath.Glob(fmt.Sprintf("/sys/fs/cgroup/*/*quirk-expand-%d-*", os.Getpid()))
	deeper, _ := filepath.Glob(fmt.Sprintf("/sys/fs/cgroup/*/*/*/quirk-expand-%d-*", os.Getpid()))
	if left = append(left, deeper...); len(left) > 0 {
		t.Errorf("cgroups left behind: %v", left)
	}
}

// TestRefusalIsAdvisory: the constructs issue #8 found running commands
// without --allow-exec. The refusal (CheckNoExec) catches some; the others
// run their command, and the sandbox must contain it: the command tries to
// create a file outside, which must not appear. The log says which ran.
func TestRefusalIsAdvisory(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Unmet(t, testenv.Root, "the sandbox drops to uid 65534 only from root")
	}
	out, err := os.MkdirTemp("/tmp", "quirk-advisory-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(out)
	if err := os.Chmod(out, 0o777); err != nil {
		t.Fatal(err)
	}
	cmd := func(n int) string { return fmt.Sprintf("/usr/bin/id -u >&2; /usr/bin/touch %s/p%d", out, n) }
	bash := []string{"bash"}
	constructs := []struct {
		name, setup, word string
		engines           []string
	}{
		{"PATH=/usr/bin; id", "PATH=/usr/bin:/bin; " + cmd(1), "x", attackEngines(t)},
		{`"eval"`, `"eval" '` + cmd(2) + `'`, "x", attackEngines(t)},
		{`\eval`, `\eval '` + cmd(3) + `'`, "x", attackEngines(t)},
		{"$((x)) with x='a[$(cmd)]'", "x='a[$(" + cmd(4) + ")]'", "$((x))", []string{"bash", "ksh", "zsh", "mksh", expand.Mvdan}},
		{`"${@:n}" likewise`, "n='a[$(" + cmd(5) + ")]'", `"${@:n}"`, []string{"bash", "ksh", "zsh", expand.Mvdan}},
		{"${x@P}", "x='$(" + cmd(6) + ")'", `"${x@P}"`, bash},
		{"printf -v", "printf -v 'a[$(" + cmd(7) + ")]' x", "x", bash},
		{"declare", "declare 'a[$(" + cmd(8) + ")]=1'", "x", bash},
		{"PS4 + set -x", "PS4='$(" + cmd(9) + ")'; set -x; :", "x", []string{"bash", "dash", "ksh", "mksh", "zsh"}},
		{"hash -p", "hash -p /usr/bin/touch x; x " + out + "/p10", "x", bash},
		{"BASH_CMDS", "BASH_CMDS[x]=/usr/bin/touch; x " + out + "/p11", "x", bash},
		{"mapfile -C", "mapfile -C '" + cmd(12) + "; :' -c 1 a <<< l", "x", bash},
		{"compgen -C", "compgen -C '" + cmd(13) + "' x", "x", bash},
		{"zsh ${(e)x}", "x='$(" + cmd(14) + ")'", `${(e)x}`, []string{"zsh"}},
		{"${ cmd;}", "", "${ " + cmd(15) + ";}", []string{"ksh", "mksh"}},
		{"${!x} with x='a[$(cmd)]'", "x='a[$(" + cmd(16) + ")]'", `"${!x}"`, bash},
		{"[[ -v $x ]]", "x='a[$(" + cmd(17) + ")]'; [[ -v $x ]]", "x", bash},
		{"let x", "x='a[$(" + cmd(18) + ")]'; let x", "x", bash},
	}
	for _, c := range constructs {
		for _, e := range c.engines {
			if _, err := expand.FindEngine(e, ""); err != nil {
				continue // attackEngines reported it
			}
			rs, err := expand.EvalWords(t.Context(), e, []expand.WordCase{{Setup: c.setup, Word: c.word}}, expand.Options{RequireSandbox: requireStrict()})
			if err != nil {
				t.Fatalf("%s %s: %v", c.name, e, err)
			}
			r := rs[0]
			switch {
			case errors.Is(r.Err, expand.ErrExecRefused):
				t.Logf("%-28s %-5s refused", c.name, e)
			case strings.Contains(r.Stderr, "65534"):
				t.Logf("%-28s %-5s ran a command, contained", c.name, e)
			default:
				t.Logf("%-28s %-5s ran nothing (%s)", c.name, e, firstLine(r.Stderr))
			}
		}
		if left, _ := os.ReadDir(out); len(left) > 0 {
			t.Errorf("%s: created %v outside the sandbox", c.name, left)
			for _, f := range left {
				os.Remove(filepath.Join(out, f.Name()))
			}
		}
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
