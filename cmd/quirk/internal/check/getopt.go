package check

import (
	"flag"
	"strings"
)

// expandShortOptions rewrites getopt spellings that Go's flag package does
// not read into ones it does, so that ShellCheck command lines work as
// editors and CI actions write them:
//
//	-fgcc      → -f gcc        (a value attached to its option)
//	-xa        → -x -a         (bundled boolean options)
//	-Calways   → -C=always     (an optional value, which must be attached)
//	-W0        → -W 0
//
// An argument that already names a flag ("-norc", "-list-checks"), a long
// option ("--format=gcc"), "-", or anything after "--" is left alone; an
// unknown letter is left for the flag package to report.
func expandShortOptions(fs *flag.FlagSet, args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "-"), "=")
		if len(a) <= 2 || a[0] != '-' || a[1] == '-' || fs.Lookup(name) != nil {
			out = append(out, a)
			if f := fs.Lookup(strings.TrimLeft(a, "-")); f != nil && !isBoolFlag(f) && i+1 < len(args) {
				// Keep a flag's value with it, even one that looks like
				// a bundle ("-e -xa" is not an expansion of -xa).
				i++
				out = append(out, args[i])
			}
			continue
		}
		expanded, ok := expandBundle(fs, a[1:])
		if !ok {
			out = append(out, a)
			continue
		}
		out = append(out, expanded...)
	}
	return out
}

// expandBundle splits "xa", "fgcc" or "Calways" into flags.
func expandBundle(fs *flag.FlagSet, bundle string) ([]string, bool) {
	var out []string
	for j := 0; j < len(bundle); j++ {
		f := fs.Lookup(bundle[j : j+1])
		if f == nil {
			return nil, false
		}
		rest := bundle[j+1:]
		switch {
		case !isBoolFlag(f):
			out = append(out, "-"+f.Name)
			if rest != "" {
				out = append(out, rest)
			}
			return out, true
		case hasOptionalValue(f) && rest != "":
			return append(out, "-"+f.Name+"="+rest), true
		}
		out = append(out, "-"+f.Name)
	}
	return out, true
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// hasOptionalValue marks boolean-looking flags that take an attached
// value, as ShellCheck's -C[WHEN].
func hasOptionalValue(f *flag.Flag) bool {
	_, ok := f.Value.(*colorFlag)
	return ok
}
