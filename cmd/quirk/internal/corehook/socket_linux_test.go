package corehook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/corehook"
	"github.com/quirkcheck/quirk/corehook/upload"
)

func socketProc(t *testing.T, release, modes string) string {
	root := fakeProc(t, "core\n", release)
	if modes != "" {
		os.WriteFile(filepath.Join(root, "sys", corehook.KnobCoreModes), []byte(modes), 0o644)
	}
	os.MkdirAll(filepath.Join(root, "net"), 0o755)
	os.WriteFile(filepath.Join(root, "net", "unix"), []byte("Num       RefCount Protocol Flags    Type St Inode Path\n"), 0o644)
	return root
}

func listen(t *testing.T, root, path string) {
	line := "0000000000000000: 00000002 00000000 00010000 0001 01 12345 " + path + "\n"
	f, _ := os.OpenFile(filepath.Join(root, "net", "unix"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(line)
	f.Close()
}

func pattern(t *testing.T, root string) string {
	b, _ := os.ReadFile(filepath.Join(root, "sys", corehook.KnobCorePattern))
	return strings.TrimSuffix(string(b), "\n")
}

// install --mode picks "@@" on 6.17+, "@" on 6.16, refuses a kernel
// without socket patterns, and auto falls back to the pipe while no server
// listens; status says when the server is gone.
func TestCLIInstallSocketModes(t *testing.T) {
	const sock = "/run/quirk/corehook.sock"
	for _, tc := range []struct {
		release, modes, mode string
		listening            bool
		want                 string // pattern prefix, or "" for an error
	}{
		{"6.18.44", "file\npipe\nsocket\n", "socket", false, "@@" + sock},
		{"6.16.2", "file\npipe\nsocket\n", "socket", false, "@" + sock},
		{"6.15.0", "", "socket", false, ""},
		{"6.18.44", "file\npipe\nsocket\n", "auto", false, "|"},
		{"6.18.44", "file\npipe\nsocket\n", "auto", true, "@@" + sock},
		{"6.18.44", "file\npipe\nsocket\n", "bogus", false, ""},
	} {
		root := socketProc(t, tc.release, tc.modes)
		if tc.listening {
			listen(t, root, sock)
		}
		store := filepath.Join(shortTempDir(t), "s")
		code, out, errs := runMain(t, "install", "--proc-root", root, "--store", store, "--mode", tc.mode)
		got := pattern(t, root)
		if tc.want == "" {
			if code == 0 || got != "core" {
				t.Errorf("%s %s: exit %d, pattern %q\n%s%s", tc.release, tc.mode, code, got, out, errs)
			}
			continue
		}
		if code != 0 || !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s %s: exit %d, pattern %q, want %q\n%s%s", tc.release, tc.mode, code, got, tc.want, out, errs)
			continue
		}
		if tc.want[0] == '@' && !strings.HasSuffix(got, sock) {
			t.Errorf("pattern %q", got)
		}
		if b, _ := os.ReadFile(filepath.Join(root, "sys", corehook.KnobCorePipeLimit)); tc.want[0] == '@' && strings.TrimSpace(string(b)) == "0" {
			t.Errorf("%s: core_pipe_limit left at 0 (a plain @ would not hold the crasher)", tc.release)
		}
	}

	root := socketProc(t, "6.18.44", "file\npipe\nsocket\n")
	store := filepath.Join(shortTempDir(t), "s")
	if code, _, errs := runMain(t, "install", "--proc-root", root, "--store", store, "--mode", "socket"); code != 0 {
		t.Fatal(errs)
	}
	code, out, _ := runMain(t, "status", "--proc-root", root, "--store", store)
	if code != base.ExitFindings || !strings.Contains(out, "nothing listens on "+sock) {
		t.Errorf("status with no server: exit %d\n%s", code, out)
	}
	listen(t, root, sock)
	code, out, _ = runMain(t, "status", "--proc-root", root, "--store", store)
	if code != 0 || !strings.Contains(out, "server: listening on "+sock) {
		t.Errorf("status with a server: exit %d\n%s", code, out)
	}
	// Switching back to the pipe keeps the admin's saved values.
	if code, _, errs := runMain(t, "install", "--proc-root", root, "--store", store, "--mode", "pipe"); code != 0 || !strings.HasPrefix(pattern(t, root), "|") {
		t.Fatalf("switch to pipe: %d %s", code, errs)
	}
	if code, _, errs := runMain(t, "uninstall", "--proc-root", root, "--store", store); code != 0 || pattern(t, root) != "core" {
		t.Fatalf("uninstall: %d %s, pattern %q", code, errs, pattern(t, root))
	}
}

func TestCLIStatusShowsUploadQueue(t *testing.T) {
	root := socketProc(t, "6.18.44", "file\npipe\nsocket\n")
	store := t.TempDir()
	conf := filepath.Join(t.TempDir(), "c.conf")
	os.WriteFile(conf, []byte("Store = "+store+"\nUpload = s3://cores/fleet\nUploadEndpoint = s3.invalid:8333\nUploadSpoolMax = 5\n"), 0o600)
	cfg, err := corehook.LoadConfig(conf)
	if err != nil {
		t.Fatal(err)
	}
	sp := corehook.UploadSpool(cfg)
	if err := sp.Add(upload.Job{ID: "abc", Sidecar: filepath.Join(store, "abc.json")}); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runMain(t, "status", "--proc-root", root, "--config", conf)
	if code != 0 || !strings.Contains(out, "upload: s3://cores/fleet, 1 queued of at most 5, 0 failing") {
		t.Errorf("status: exit %d\n%s%s", code, out, errs)
	}

}
