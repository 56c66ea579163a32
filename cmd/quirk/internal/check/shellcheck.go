package check

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/quirkcheck/quirk/cmd/quirk/internal/base"
	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// ShellCheckMain is quirk run as ShellCheck: under the name shellcheck,
// or with ShellCheck's arguments and no command. It is "quirk check" with
// SHELLCHECK_OPTS in front of the arguments, as ShellCheck reads it.
func ShellCheckMain(ctx context.Context, inv *base.Invocation) int {
	args := append(strings.Fields(os.Getenv("SHELLCHECK_OPTS")), inv.Args...)
	sub := *inv
	sub.Name = "check"
	sub.Args = args
	return Main(context.WithValue(ctx, shellCheckMode{}, true), &sub)
}

// shellCheckMode marks a context of ShellCheckMain: gcc and checkstyle then
// name checks SC5001, as ShellCheck's parsers expect.
type shellCheckMode struct{}

var semver = regexp.MustCompile(`^v?(\d+\.\d+\.\d+\S*)$`)

// ShellCheckVersion is -V in ShellCheck's layout, which editor plugins
// parse ("version: X.Y.Z"), carrying quirk's own version: a release's
// number, or 0.0.0-devel for a source build.
func ShellCheckVersion() string {
	return "ShellCheck - shell script analysis tool (this is quirk, which answers ShellCheck's command line)\n" +
		"version: " + semanticVersion() + "\n" +
		"license: see https://github.com/quirkcheck/quirk\n" +
		"website: https://github.com/quirkcheck/quirk\n" +
		firstLine(base.Version()) + "\n"
}

// semanticVersion is quirk's version as semver: a release's number, or
// 0.0.0-devel for a source build (SARIF's semanticVersion, -V).
func semanticVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		if m := semver.FindStringSubmatch(info.Main.Version); m != nil {
			return m[1]
		}
	}
	return "0.0.0-devel"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// shellCheckNumbers reads bare numbers as ShellCheck does: "2034" is
// SC2034. Numbers from 5001 are quirk's own checks (QK5001), which
// ShellCheck never uses.
func shellCheckNumbers(codes []string) []string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		if n, err := strconv.Atoi(c); err == nil && n < 5000 {
			c = "SC" + c
		}
		if strings.HasPrefix(strings.ToUpper(c), "SC") {
			// SC5001 is QK5001 (what editors write after a QK finding
			// shown as SC5001).
			if as := shellcheck.ForShellCheckCode(c); len(as) == 1 && "SC"+strconv.Itoa(as[0].Code()) == strings.ToUpper(c) {
				c = as[0].ID
			}
		}
		out = append(out, c)
	}
	return out
}

type shellCheckRC struct {
	exclude []string
	shell   analysis.Dialect
}

// readShellCheckRC reads a .shellcheckrc given with --rcfile: directive
// lines ("disable=SC2034,SC2086", "shell=bash"); keys quirk has no use for
// (enable, source-path, external-sources, extended-analysis) are ignored.
func readShellCheckRC(path string) (shellCheckRC, error) {
	var rc shellCheckRC
	f, err := os.Open(path)
	if err != nil {
		return rc, fmt.Errorf("--rcfile: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		for _, field := range strings.Fields(line) {
			key, value, ok := strings.Cut(field, "=")
			if !ok {
				return rc, fmt.Errorf("%s:%d: want key=value, got %q", path, n, field)
			}
			switch key {
			case "disable":
				for _, c := range strings.Split(value, ",") {
					// "all" means ShellCheck's own checks, none of quirk's.
					if c = strings.TrimSpace(c); c != "" && c != "all" {
						rc.exclude = append(rc.exclude, shellCheckNumbers([]string{c})...)
					}
				}
			case "shell":
				if rc.shell, err = analysis.ParseDialect(value); err != nil {
					return rc, fmt.Errorf("%s:%d: %v", path, n, err)
				}
			}
		}
	}
	return rc, sc.Err()
}
