package lsp_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quirkcheck/quirk/expand/testenv"
)

var (
	buildOnce sync.Once
	quirkBin  string
	buildErr  error
)

// quirkBinary builds the real quirk command once for the editor tests: the
// editors start it as a process, as a user's would.
func quirkBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "quirk-editors-")
		if err != nil {
			buildErr = err
			return
		}
		quirkBin = filepath.Join(dir, "quirk")
		out, err := exec.Command("go", "build", "-o", quirkBin, "github.com/quirkcheck/quirk/cmd/quirk").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err, out}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return quirkBin
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }

// editorScript is a script with a finding after non-ASCII text (so the
// client's UTF-16 columns are exercised) and one with a safe fix.
const editorScript = "#!/bin/bash\n# grüße — 😀\nprintf '%s\\n' \"😀\" \"${@:0}\"\nx=$@\n"

// TestNeovim runs Neovim's built-in LSP client headless against quirk lsp.
func TestNeovim(t *testing.T) {
	nvim := testenv.NeedTool(t, "nvim")
	bin := quirkBinary(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "t.sh")
	if err := os.WriteFile(script, []byte(editorScript), 0o644); err != nil {
		t.Fatal(err)
	}
	lua, err := filepath.Abs("testdata/nvim.lua")
	if err != nil {
		t.Fatal(err)
	}
	outPath := filepath.Join(dir, "out.json")
	cmd := exec.Command(nvim, "--headless", "-n", "-i", "NONE", "-u", "NONE", "-c", "luafile "+lua)
	cmd.Env = append(os.Environ(), "QUIRK_BIN="+bin, "QUIRK_NVIM_SCRIPT="+script, "QUIRK_NVIM_OUT="+outPath, "HOME="+dir, "XDG_STATE_HOME="+dir, "XDG_CACHE_HOME="+dir)
	cmd.Dir = dir
	var got struct {
		Error    any
		Encoding string
		Before   []struct {
			Code, Source, Message, Href string
			Lnum, Col                   int
		}
		Actions []string
		Lines   []string
		After   []struct{ Code string }
	}
	runEditor(t, cmd, outPath, &got)
	if got.Error != nil {
		t.Fatalf("nvim session failed: %v", got.Error)
	}
	var qk5001 bool
	for _, d := range got.Before {
		if d.Code == "QK5001" {
			qk5001 = true
			// Neovim 0.7 speaks UTF-16 and stores byte columns: the
			// server's UTF-16 column 20 (the emoji is two units) comes
			// back as byte 22. Had the server sent bytes, Neovim would
			// read 22 UTF-16 units and land on byte 24.
			if d.Source != "quirk" || d.Lnum != 2 || d.Col != len(`printf '%s\n' "😀" "`) || !strings.HasSuffix(d.Href, "docs/checks/QK5001.md") {
				t.Errorf("QK5001 as nvim sees it: %+v (encoding %s)", d, got.Encoding)
			}
		}
	}
	if !qk5001 {
		t.Fatalf("nvim got no QK5001: %+v", got.Before)
	}
	for _, want := range []string{"Disable QK5001 on this line", "Disable QK5001 in this file"} {
		if !slices.Contains(got.Actions, want) {
			t.Errorf("code actions %q lack %q", got.Actions, want)
		}
	}
	if len(got.Lines) < 3 || got.Lines[2] != "# quirk disable=QK5001 -- reason" {
		t.Errorf("buffer after the disable action:\n%s", strings.Join(got.Lines, "\n"))
	}
	for _, d := range got.After {
		if d.Code == "QK5001" || d.Code == "QK5900" || d.Code == "QK5901" {
			t.Errorf("after the action nvim still shows %s", d.Code)
		}
	}
	if !slices.ContainsFunc(got.After, func(d struct{ Code string }) bool { return d.Code == "QK5008" }) {
		t.Errorf("QK5008 vanished too: %+v", got.After)
	}
}

// runEditor runs cmd with a 60s budget and decodes the JSON it wrote to
// outPath into v.
func runEditor(t *testing.T, cmd *exec.Cmd, outPath string, v any) {
	t.Helper()
	done := make(chan []byte, 1)
	go func() { b, _ := cmd.CombinedOutput(); done <- b }()
	var output []byte
	select {
	case output = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not finish in 60s", cmd.Path)
	}
	data, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatalf("%s wrote no result (%v); its output:\n%s", cmd.Path, err, output)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	t.Logf("%s reported: %s", filepath.Base(cmd.Path), data)
}

type aleItem struct {
	Code, Linter, Text string
	Lnum, Col          int
}

// TestVimALE runs vim with ALE (Debian's vim-ale) twice: with ALE's LSP
// client on quirk lsp (diagnostics, then the disable action through ALE's
// code-fix path), and with ALE's stock ShellCheck linter whose executable
// is the quirk binary (the drop-in, as an ALE user would configure it).
func TestVimALE(t *testing.T) {
	vim := testenv.NeedTool(t, "vim")
	ale := "/usr/share/vim/vimfiles/pack/dist-bundle/opt/ale/plugin/ale.vim"
	if _, err := os.Stat(ale); err != nil {
		testenv.Unmet(t, testenv.Shells, "vim-ale is not installed (%v)", err)
	}
	bin := quirkBinary(t)
	vimrc, err := filepath.Abs("testdata/ale.vim")
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, mode string) (got struct {
		Error   any
		Before  []aleItem
		Actions []string
		Lines   []string
		After   []aleItem
	}, script string) {
		dir := t.TempDir()
		script = filepath.Join(dir, "t.sh")
		if err := os.WriteFile(script, []byte(editorScript), 0o644); err != nil {
			t.Fatal(err)
		}
		outPath := filepath.Join(dir, "out.json")
		cmd := exec.Command(vim, "--not-a-term", "-N", "-u", vimrc, "-i", "NONE", "-n")
		cmd.Env = append(os.Environ(), "QUIRK_BIN="+bin, "QUIRK_VIM_SCRIPT="+script, "QUIRK_VIM_OUT="+outPath, "QUIRK_ALE_MODE="+mode, "HOME="+dir)
		cmd.Dir = dir
		runEditor(t, cmd, outPath, &got)
		if got.Error != nil {
			t.Fatalf("vim session failed: %v", got.Error)
		}
		return got, script
	}
	has := func(items []aleItem, code string) bool {
		return slices.ContainsFunc(items, func(i aleItem) bool { return i.Code == code })
	}
	t.Run("lsp", func(t *testing.T) {
		got, _ := run(t, "lsp")
		if !has(got.Before, "QK5001") || !has(got.Before, "QK5008") {
			t.Fatalf("ALE shows %+v, want QK5001 and QK5008 from quirk lsp", got.Before)
		}
		for _, i := range got.Before {
			if i.Linter != "quirk" || i.Code == "QK5001" && i.Lnum != 3 {
				t.Errorf("ALE item %+v", i)
			}
		}
		if !slices.Contains(got.Actions, "Disable QK5001 on this line") || !slices.Contains(got.Actions, "Apply all safe quirk fixes") {
			t.Errorf("ALE's code actions: %q", got.Actions)
		}
		if len(got.Lines) < 3 || got.Lines[2] != "# quirk disable=QK5001 -- reason" {
			t.Errorf("buffer after the action: %q", got.Lines)
		}
		if has(got.After, "QK5001") || !has(got.After, "QK5008") || has(got.After, "QK5900") {
			t.Errorf("after the action ALE shows %+v, want QK5008 only", got.After)
		}
	})
	t.Run("shellcheck drop-in", func(t *testing.T) {
		got, _ := run(t, "shellcheck")
		// Answering as ShellCheck, quirk spells its codes SC5001 in gcc.
		if !has(got.Before, "SC5001") || !has(got.Before, "SC5008") {
			t.Fatalf("ALE's shellcheck linter on the quirk binary shows %+v, want SC5001 and SC5008", got.Before)
		}
		for _, i := range got.Before {
			if i.Linter != "shellcheck" {
				t.Errorf("ALE item %+v not from its shellcheck linter", i)
			}
		}
	})
}

// TestBashLanguageServer runs bash-language-server (npm, the version .ci/run
// pins) with its shellcheckPath set to the quirk binary itself, no wrapper,
// under Neovim's client: quirk's findings arrive as SC5001/SC5008, the safe
// fix is a quick fix, and the server's own "Disable ShellCheck rule SC5001"
// action, applied, silences the finding (# shellcheck disable=SC5001 means
// QK5001 to quirk).
func TestBashLanguageServer(t *testing.T) {
	nvim := testenv.NeedTool(t, "nvim")
	bls := os.Getenv("QUIRK_BLS")
	if bls == "" {
		bls = testenv.NeedTool(t, "bash-language-server")
	}
	bin := quirkBinary(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "t.sh")
	// A command before the finding, so that the server offers "for this
	// command" (it offers only "the entire file" for the first command).
	src := "#!/bin/bash\nset -u\nprintf '%s\\n' \"😀\" \"${@:0}\"\nx=$@\n"
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	lua, err := filepath.Abs("testdata/nvim.lua")
	if err != nil {
		t.Fatal(err)
	}
	outPath := filepath.Join(dir, "out.json")
	cmd := exec.Command(nvim, "--headless", "-n", "-i", "NONE", "-u", "NONE", "-c", "luafile "+lua)
	cmd.Env = append(os.Environ(), "QUIRK_BIN="+bin, "QUIRK_BLS="+bls, "QUIRK_NVIM_SCRIPT="+script, "QUIRK_NVIM_OUT="+outPath, "HOME="+dir, "XDG_STATE_HOME="+dir, "XDG_CACHE_HOME="+dir)
	cmd.Dir = dir
	var got struct {
		Error      any
		Before     []struct{ Code, Source string }
		Actions    []string
		FixActions []string `json:"fix_actions"`
		Lines      []string
		After      []struct{ Code string }
	}
	runEditor(t, cmd, outPath, &got)
	if got.Error != nil {
		t.Fatalf("session failed: %v", got.Error)
	}
	codes := func(ds []struct{ Code string }) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.Code)
		}
		return out
	}
	var before []string
	for _, d := range got.Before {
		before = append(before, d.Code)
	}
	if !slices.Contains(before, "SC5001") || !slices.Contains(before, "SC5008") {
		t.Fatalf("bash-language-server shows %q, want quirk's SC5001 and SC5008", before)
	}
	if !slices.Contains(got.FixActions, "Apply fix for SC5008") {
		t.Errorf("no quick fix for QK5008's safe fix: %q", got.FixActions)
	}
	if !slices.Contains(got.Actions, "Disable ShellCheck rule SC5001 for this command") {
		t.Errorf("actions %q", got.Actions)
	}
	if !slices.Contains(got.Lines, "# shellcheck disable=SC5001") {
		t.Errorf("buffer after the action: %q", got.Lines)
	}
	after := codes(got.After)
	if slices.Contains(after, "SC5001") || !slices.Contains(after, "SC5008") {
		t.Errorf("after the disable action: %q, want SC5008 only", after)
	}
}

// TestEmacsEglot runs Emacs (Debian emacs-nox) with eglot (elpa-eglot) in
// batch mode against quirk lsp: flymake diagnostics, code actions, and the
// disable action applied.
func TestEmacsEglot(t *testing.T) {
	emacs := testenv.NeedTool(t, "emacs")
	bin := quirkBinary(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "t.sh")
	if err := os.WriteFile(script, []byte(editorScript), 0o644); err != nil {
		t.Fatal(err)
	}
	el, err := filepath.Abs("testdata/eglot.el")
	if err != nil {
		t.Fatal(err)
	}
	outPath := filepath.Join(dir, "out.json")
	// -q, not -Q: Debian's site start-up is what puts elpa-eglot on the path.
	cmd := exec.Command(emacs, "--batch", "-q", "-l", el)
	cmd.Env = append(os.Environ(), "QUIRK_BIN="+bin, "QUIRK_EMACS_SCRIPT="+script, "QUIRK_EMACS_OUT="+outPath, "HOME="+dir)
	cmd.Dir = dir
	var got struct {
		Error  any
		Before []struct {
			Code      string
			Line, Col int
		}
		Actions []string
		Lines   []string
		After   []struct{ Code string }
	}
	runEditor(t, cmd, outPath, &got)
	if got.Error != nil {
		t.Fatalf("emacs session failed: %v", got.Error)
	}
	var seen bool
	for _, d := range got.Before {
		if d.Code == "QK5001" {
			seen = true
			// eglot turns the server's UTF-16 column (20: the emoji is two
			// units) into characters (19: one).
			if d.Line != 3 || d.Col != len([]rune(`printf '%s\n' "😀" "`)) {
				t.Errorf("QK5001 in emacs at line %d char %d", d.Line, d.Col)
			}
		}
	}
	if !seen {
		t.Fatalf("eglot got no QK5001: %+v", got.Before)
	}
	if !slices.Contains(got.Actions, "Disable QK5001 on this line") {
		t.Errorf("actions %q", got.Actions)
	}
	if len(got.Lines) < 3 || got.Lines[2] != "# quirk disable=QK5001 -- reason" {
		t.Errorf("buffer after the action: %q", got.Lines)
	}
	if slices.ContainsFunc(got.After, func(d struct{ Code string }) bool { return d.Code == "QK5001" }) || len(got.After) == 0 {
		t.Errorf("after the action: %+v", got.After)
	}
}
