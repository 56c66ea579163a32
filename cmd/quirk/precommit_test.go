package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quirkcheck/quirk/expand/testenv"
)

// TestPreCommitHooks runs Debian's pre-commit on a project that uses both
// hooks of .pre-commit-hooks.yaml from a local clone of this repository:
// "quirk" (language golang: pre-commit builds quirk with go install from
// the clone) and "quirk-system" (the quirk on PATH). A script with a
// finding fails both; after it is fixed both pass.
func TestPreCommitHooks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds quirk inside pre-commit")
	}
	preCommit := testenv.NeedTool(t, "pre-commit")
	git := testenv.NeedTool(t, "git")
	goTool := testenv.NeedTool(t, "go")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	run := func(dir string, env []string, name string, args ...string) (string, error) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(dir string, name string, args ...string) string {
		t.Helper()
		out, err := run(dir, nil, name, args...)
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(out)
	}

	// The hooks as a user gets them: a clone of the repository at a commit.
	clone := filepath.Join(tmp, "quirk")
	must(tmp, git, "clone", "-q", root, clone)
	rev := must(clone, git, "rev-parse", "HEAD")
	if _, err := os.Stat(filepath.Join(clone, ".pre-commit-hooks.yaml")); err != nil {
		t.Fatalf("the committed tree has no .pre-commit-hooks.yaml: %v", err)
	}

	// quirk-system needs quirk on PATH.
	bin := filepath.Join(tmp, "bin")
	must(root, goTool, "build", "-o", filepath.Join(bin, "quirk"), "./cmd/quirk")

	project := filepath.Join(tmp, "project")
	if err := os.MkdirAll(project, 0o755); err != nil {
		t.Fatal(err)
	}
	must(project, git, "init", "-q")
	config := "repos:\n  - repo: " + clone + "\n    rev: " + rev + "\n    hooks:\n      - id: quirk\n      - id: quirk-system\n"
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(project, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".pre-commit-config.yaml", config)
	write("deploy.sh", "#!/bin/bash\nexec docker compose \"${@:0:1}\"\n")
	write("notes.txt", "echo \"${@:0}\" is not a script\n")
	must(project, git, "add", ".")

	gomodcache := must(root, goTool, "env", "GOMODCACHE")
	env := []string{
		"PRE_COMMIT_HOME=" + filepath.Join(tmp, "cache"),
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		// pre-commit gives the golang hook its own GOPATH; sharing the
		// module cache avoids downloading every dependency again.
		"GOMODCACHE=" + gomodcache,
		"GOFLAGS=-modcacherw",
	}
	out, err := run(project, env, preCommit, "run", "--all-files")
	if err == nil {
		t.Fatalf("pre-commit passed a script with a finding:\n%s", out)
	}
	for _, want := range []string{"quirk.....", "quirk (installed)", "QK5001", "deploy.sh"} {
		if !strings.Contains(out, want) {
			t.Errorf("pre-commit output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "notes.txt") {
		t.Errorf("a text file was checked:\n%s", out)
	}
	if strings.Count(out, "Failed") != 2 {
		t.Errorf("want both hooks to fail:\n%s", out)
	}

	write("deploy.sh", "#!/bin/bash\nexec docker compose \"$1\"\n")
	must(project, git, "add", ".")
	if out, err := run(project, env, preCommit, "run", "--all-files"); err != nil || strings.Count(out, "Passed") != 2 {
		t.Errorf("pre-commit after the fix: %v\n%s", err, out)
	}
}
