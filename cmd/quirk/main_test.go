package main

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "update testscript files in place")

func TestMain(m *testing.M) {
	// The signal tests run this test binary as quirk itself.
	if os.Getenv("QUIRK_TEST_RUN_MAIN") == "1" {
		os.Exit(run())
	}
	testscript.Main(m, map[string]func(){
		"quirk":      func() { os.Exit(run()) },
		"shellcheck": func() { os.Exit(run()) }, // quirk linked under ShellCheck's name
	})
}

// TestScripts runs testdata/script/*.txtar: the CLI as a user sees it.
// "status N prog args..." runs a program and asserts its exact exit code,
// which exec can't (it only tells zero from non-zero).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: status N program [args...]")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("status: bad code %q", args[0])
				}
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("status: %v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("%s exited %d, want %d", args[1], got, want)
				}
			},
			// "json [KEY...]": the last command's stdout is one JSON
			// document, and each KEY is a field of it (of its first element
			// when it is an array).
			"json": func(ts *testscript.TestScript, neg bool, keys []string) {
				if neg {
					ts.Fatalf("usage: json [KEY...]")
				}
				out := ts.ReadFile("stdout")
				var doc any
				if err := json.Unmarshal([]byte(out), &doc); err != nil {
					ts.Fatalf("stdout is not JSON: %v\n%s", err, out)
				}
				if list, ok := doc.([]any); ok && len(list) > 0 {
					doc = list[0]
				}
				for _, k := range keys {
					obj, ok := doc.(map[string]any)
					if _, has := obj[k]; !ok || !has {
						ts.Fatalf("JSON has no field %q:\n%s", k, out)
					}
				}
			},
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			}
			return false, errors.New("unknown condition " + cond)
		},
	})
}
