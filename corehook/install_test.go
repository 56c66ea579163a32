package corehook

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeProc builds a /proc/sys tree in a temporary directory.
func fakeProc(t *testing.T, pattern, release string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		KnobCorePattern:   pattern,
		KnobCorePipeLimit: "0\n",
		KnobSuidDumpable:  "0\n",
		KnobCoreUsesPID:   "0\n",
		KnobOSRelease:     release + "\n",
	}
	for knob, v := range files {
		p := filepath.Join(root, "sys", knob)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// shortTempDir is a temporary directory with a short path: the pattern that
// names it must fit the kernel's 127 bytes, and t.TempDir embeds the test name.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ch")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func readKnob(t *testing.T, root, knob string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "sys", knob))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestInstallUninstallRoundTrip(t *testing.T) {
	const admin = "/var/cores/core.%e.%p.%t \xff\n"
	root := fakeProc(t, admin, "6.18.44-fc")
	store := filepath.Join(shortTempDir(t), "cores")
	opts := InstallOptions{ProcRoot: root, Store: store, Binary: "/usr/local/bin/quirk"}
	res, err := Install(opts)
	if err != nil {
		t.Fatal(err)
	}
	want := "|/usr/local/bin/quirk corehook handle -s " + store + " %P %p %i %I %u %g %s %t %c %d %C %F %h %e"
	if res.Pattern != want {
		t.Fatalf("pattern = %q, want %q", res.Pattern, want)
	}
	if got := readKnob(t, root, KnobCorePattern); got != want+"\n" {
		t.Fatalf("live pattern = %q", got)
	}
	if got := readKnob(t, root, KnobCorePipeLimit); got != "16\n" {
		t.Fatalf("core_pipe_limit = %q", got)
	}
	st, err := GetStatus(root, "")
	if err != nil || !st.Installed || st.State == nil || st.ChangedSinceInstall {
		t.Fatalf("status = %+v, %v", st, err)
	}
	if st.State.PreviousPattern() != strings.TrimSuffix(admin, "\n") {
		t.Fatalf("saved pattern %q", st.State.PreviousPattern())
	}
	// Installing again is a no-op.
	again, err := Install(opts)
	if err != nil || !again.AlreadyInstalled {
		t.Fatalf("second install = %+v, %v", again, err)
	}
	// The binary moved: uninstall needs only the state.
	if _, err := Uninstall(root, "", false); err != nil {
		t.Fatal(err)
	}
	if got := readKnob(t, root, KnobCorePattern); got != admin {
		t.Fatalf("restored pattern = %q, want %q", got, admin)
	}
	if got := readKnob(t, root, KnobCorePipeLimit); got != "0\n" {
		t.Fatalf("restored core_pipe_limit = %q", got)
	}
	if _, err := os.Stat(filepath.Join(store, stateFileName)); !os.IsNotExist(err) {
		t.Fatalf("state file left behind: %v", err)
	}
	if _, err := Uninstall(root, store, false); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("second uninstall: %v", err)
	}
}

func TestInstallRefusesForeignPipe(t *testing.T) {
	const foreign = "|/usr/share/apport/apport -p%p -s%s -c%c -d%d -P%P -u%u -g%g -F%F -- %E\n"
	root := fakeProc(t, foreign, "6.18.0")
	store := filepath.Join(t.TempDir(), "cores")
	opts := InstallOptions{ProcRoot: root, Store: store, Binary: "/q"}
	if _, err := Install(opts); !errors.Is(err, ErrForeignHandler) {
		t.Fatalf("install over apport: %v", err)
	}
	if got := readKnob(t, root, KnobCorePattern); got != foreign {
		t.Fatalf("pattern touched: %q", got)
	}
	opts.Force = true
	if _, err := Install(opts); err != nil {
		t.Fatal(err)
	}
	if _, err := Uninstall(root, "", false); err != nil {
		t.Fatal(err)
	}
	if got := readKnob(t, root, KnobCorePattern); got != foreign {
		t.Fatalf("restored %q", got)
	}
}

func TestInstallRefusesSocketHandler(t *testing.T) {
	root := fakeProc(t, "@@/run/systemd/coredump-kernel\n", "6.18.0")
	store := filepath.Join(t.TempDir(), "cores")
	if _, err := Install(InstallOptions{ProcRoot: root, Store: store, Binary: "/q"}); !errors.Is(err, ErrForeignHandler) {
		t.Fatalf("install over a socket handler: %v", err)
	}
}

func TestUninstallKeepsNewcomer(t *testing.T) {
	root := fakeProc(t, "core\n", "6.18.0")
	store := filepath.Join(t.TempDir(), "cores")
	if _, err := Install(InstallOptions{ProcRoot: root, Store: store, Binary: "/q"}); err != nil {
		t.Fatal(err)
	}
	const newcomer = "|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h %d %F\n"
	if err := os.WriteFile(filepath.Join(root, "sys", KnobCorePattern), []byte(newcomer), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := GetStatus(root, store)
	if err != nil || st.Installed || !st.ChangedSinceInstall {
		t.Fatalf("status = %+v, %v", st, err)
	}
	if _, err := Uninstall(root, store, false); !errors.Is(err, ErrChanged) {
		t.Fatalf("uninstall: %v", err)
	}
	if got := readKnob(t, root, KnobCorePattern); got != newcomer {
		t.Fatalf("newcomer clobbered: %q", got)
	}
	if got := readKnob(t, root, KnobCorePipeLimit); got != "16\n" {
		t.Fatalf("refused uninstall still wrote core_pipe_limit: %q", got)
	}
	if _, err := Uninstall(root, store, true); err != nil {
		t.Fatal(err)
	}
	if got := readKnob(t, root, KnobCorePattern); got != "core\n" {
		t.Fatalf("forced restore: %q", got)
	}
}

func TestBuildPatternOldKernelAndLimits(t *testing.T) {
	root := fakeProc(t, "core\n", "5.15.0-91-generic")
	p, err := BuildPattern(Sysctl{ProcRoot: root}, "/q", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := "|/q corehook handle %P %p %i %I %u %g %s %t %c %d - - %h %e"; p != want {
		t.Errorf("5.15 pattern = %q, want %q", p, want)
	}
	if _, err := BuildPattern(Sysctl{ProcRoot: root}, "/"+strings.Repeat("x", 80), "", ""); err == nil {
		t.Error("an over-long pattern was accepted")
	}
	if _, err := BuildPattern(Sysctl{ProcRoot: root}, "/my bin/quirk", "", ""); err == nil {
		t.Error("a path with a space was accepted")
	}
	if _, err := BuildPattern(Sysctl{ProcRoot: root}, "quirk", "", ""); err == nil {
		t.Error("a relative helper was accepted")
	}
}

func TestInstallRollsBackOnReadBackMismatch(t *testing.T) {
	root := fakeProc(t, "core\n", "6.18.0")
	// A directory where core_pattern should be makes the write fail after
	// core_pipe_limit was already set.
	pat := filepath.Join(root, "sys", KnobCorePattern)
	os.Remove(pat)
	if err := os.Mkdir(pat, 0o755); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(t.TempDir(), "cores")
	if _, err := Install(InstallOptions{ProcRoot: root, Store: store, Binary: "/q"}); err == nil {
		t.Fatal("install succeeded with an unwritable core_pattern")
	}
	if got := readKnob(t, root, KnobCorePipeLimit); got != "0\n" {
		t.Fatalf("core_pipe_limit not rolled back: %q", got)
	}
}

func TestUninstallWithoutState(t *testing.T) {
	root := fakeProc(t, "core\n", "6.18.0")
	store := filepath.Join(shortTempDir(t), "s")
	if _, err := Install(InstallOptions{ProcRoot: root, Store: store, Binary: "/q"}); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(store)
	if _, err := Uninstall(root, store, false); !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("uninstall without state: %v", err)
	}
	if !IsOurPattern(strings.TrimSpace(readKnob(t, root, KnobCorePattern))) {
		t.Fatal("pattern changed without --force")
	}
	if _, err := Uninstall(root, store, true); err != nil {
		t.Fatal(err)
	}
	if got := readKnob(t, root, KnobCorePattern); got != "core\n" {
		t.Fatalf("forced uninstall without state wrote %q", got)
	}
}

// Config drift after install (#12.1): the state file is found through the
// live pattern's -s and the --store hint, never only through the current
// config, so editing or breaking the config loses nothing.
func TestStateFoundDespiteConfigDrift(t *testing.T) {
	const admin = "/var/cores/core.%e\n"
	dir := shortTempDir(t)
	root := fakeProc(t, admin, "6.18.0")
	conf := filepath.Join(dir, "c")
	storeA, storeB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.WriteFile(conf, []byte("Store = "+storeA+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Install(InstallOptions{ProcRoot: root, Store: storeA, Config: conf, Binary: "/bin/true", StoreFromConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, s := PatternOptions(res.Pattern); s != storeA {
		t.Fatalf("pattern %q does not pin the store %s", res.Pattern, storeA)
	}
	for _, edit := range []string{"Store = " + storeB + "\n", "Store = " + storeB + "\nCompress = perhaps\n[[[\n"} {
		if err := os.WriteFile(conf, []byte(edit), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, _ := LoadConfig(conf)
		st, err := GetStatus(root, cfg.Store)
		if err != nil || st.State == nil || st.StateFile != filepath.Join(storeA, stateFileName) {
			t.Fatalf("config %q: status %+v, %v", edit, st, err)
		}
		if !strings.Contains(strings.Join(st.Problems, "\n"), "reinstall to move the store") {
			t.Errorf("config %q: status does not report the drift: %q", edit, st.Problems)
		}
	}
	// A pattern without -s (an older install, or one too long for it) and
	// a config that names another store: --store still finds the state.
	old := strings.Replace(res.Pattern, " -s "+storeA, "", 1)
	os.WriteFile(filepath.Join(root, "sys", KnobCorePattern), []byte(old+"\n"), 0o644)
	st, err := OpenStore(storeA).ReadState()
	if err != nil {
		t.Fatal(err)
	}
	st.Pattern, st.Previous[0].Set = old, old
	if err := OpenStore(storeA).writeState(st); err != nil {
		t.Fatal(err)
	}
	if _, err := Uninstall(root, storeB, false); !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "--store") {
		t.Fatalf("uninstall with the state out of reach: %v", err)
	}
	if _, err := Uninstall(root, storeA, false); err != nil {
		t.Fatalf("uninstall --store %s: %v", storeA, err)
	}
	if got := readKnob(t, root, KnobCorePattern); got != admin {
		t.Fatalf("restored %q, want %q", got, admin)
	}
	if _, err := os.Stat(filepath.Join(storeA, stateFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file left after uninstall: %v", err)
	}
}

// A state file that exists but cannot be read is reported as such, never
// as missing (which would advise --force and lose the saved values).
func TestUninstallUnreadableStateIsNotMissing(t *testing.T) {
	root := fakeProc(t, "core\n", "6.18.0")
	store := filepath.Join(shortTempDir(t), "s")
	if _, err := Install(InstallOptions{ProcRoot: root, Store: store, Binary: "/bin/true"}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(store, stateFileName), []byte("{broken"), 0o600)
	_, err := Uninstall(root, store, false)
	if err == nil || strings.Contains(err.Error(), "--force") || !strings.Contains(err.Error(), stateFileName) {
		t.Fatalf("uninstall with a corrupt state file: %v", err)
	}
}

// status reports what an installation relies on and lacks (#12.8).
func TestStatusReportsBrokenInstall(t *testing.T) {
	root := fakeProc(t, "core\n", "6.18.0")
	dir := shortTempDir(t)
	bin := filepath.Join(dir, "quirk")
	os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755)
	store := filepath.Join(dir, "s")
	if _, err := Install(InstallOptions{ProcRoot: root, Store: store, Binary: bin, PipeLimit: NoPipeLimit}); err != nil {
		t.Fatal(err)
	}
	if got := readKnob(t, root, KnobCorePipeLimit); got != "0\n" {
		t.Fatalf("NoPipeLimit wrote core_pipe_limit %q", got)
	}
	os.Remove(bin)
	os.Remove(filepath.Join(store, stateFileName))
	st, err := GetStatus(root, store)
	if err != nil {
		t.Fatal(err)
	}
	probs := strings.Join(st.Problems, "\n")
	for _, want := range []string{"cannot run", "state file is missing", "core_pipe_limit is 0"} {
		if !strings.Contains(probs, want) {
			t.Errorf("status problems lack %q:\n%s", want, probs)
		}
	}
}
