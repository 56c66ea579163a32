package base

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Version reports the module version (or "devel" for a source build) and
// the mvdan.cc/sh version, which decides how the checker parses shell.
// "quirk version" and "quirk check --version" print it.
func Version() string {
	quirk, sh := Versions()
	return fmt.Sprintf("quirk %s\nmvdan.cc/sh/v3 %s", quirk, sh)
}

// Versions returns the two versions Version prints.
func Versions() (quirk, sh string) {
	quirk, sh = "devel", "unknown"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return quirk, sh
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		quirk = v
	}
	for _, dep := range info.Deps {
		if dep.Path == "mvdan.cc/sh/v3" {
			sh = dep.Version
		}
	}
	var vcs []string
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			vcs = append(vcs, s.Value[:12])
		}
	}
	if len(vcs) > 0 {
		quirk += " (" + strings.Join(vcs, " ") + ")"
	}
	return quirk, sh
}
