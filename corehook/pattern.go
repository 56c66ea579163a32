package corehook

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// MaxPatternLen is the longest core_pattern the kernel keeps: CORENAME_MAX_SIZE
// is 128 bytes including the terminating NUL.
const MaxPatternLen = 127

// PatternKind tells how the kernel treats a core_pattern.
type PatternKind int

const (
	// KindFile is a path (relative to the crasher's cwd, or absolute in its root).
	KindFile PatternKind = iota
	// KindPipe starts with '|': a usermode helper gets the core on stdin.
	KindPipe
	// KindSocket starts with '@' (or "@@"): an AF_UNIX listener gets the core.
	KindSocket
)

func (k PatternKind) String() string {
	switch k {
	case KindPipe:
		return "pipe"
	case KindSocket:
		return "socket"
	}
	return "file"
}

// Kind classifies a core_pattern value as the kernel does (by its first byte).
func Kind(pattern string) PatternKind {
	switch {
	case strings.HasPrefix(pattern, "|"):
		return KindPipe
	case strings.HasPrefix(pattern, "@"):
		return KindSocket
	}
	return KindFile
}

// PipeArgv splits a pipe pattern the way kernels since 5.3 do: on whitespace,
// before any '%' expansion, with no quoting. The result keeps the specifiers
// unexpanded; argv[0] is the helper path.
func PipeArgv(pattern string) []string {
	return strings.Fields(strings.TrimPrefix(pattern, "|"))
}

// Crash holds every value a core_pattern specifier can expand to.
type Crash struct {
	PID         int    // %p: TGID in the crasher's PID namespace
	GlobalPID   int    // %P: TGID in the initial PID namespace
	TID         int    // %i: dumping thread in the crasher's PID namespace
	GlobalTID   int    // %I: dumping thread in the initial PID namespace
	UID         uint32 // %u: real uid, mapped into the initial user namespace
	GID         uint32 // %g: real gid
	DumpMode    int    // %d: 1 user, 2 suidsafe
	Signal      int    // %s
	Time        int64  // %t: UNIX seconds
	Hostname    string // %h: nodename of the crasher's UTS namespace
	Comm        string // %e: at most 15 bytes, chosen by the process itself
	Exe         string // path of the executable, "" when it has none (%f, %E)
	CoreLimit   uint64 // %c: soft RLIMIT_CORE
	CPU         int    // %C
	PidfdNumber int    // %F: only meaningful for pipes
}

// Expand expands a core_pattern for crash c exactly like the kernel's
// format_corename: "%%" is a literal '%', a trailing lone '%' and any unknown
// "%x" pair vanish, fields chosen by the crasher are escaped ('/' becomes '!',
// "." and ".." and empty values cannot form a path component), and for file
// patterns without %p, core_uses_pid appends ".<pid>". For pipe patterns the
// result is the argv the helper receives (split before expansion).
func Expand(pattern string, c Crash, coreUsesPID bool) (name string, argv []string) {
	kind := Kind(pattern)
	if kind == KindSocket {
		// Socket patterns carry no specifiers.
		return pattern, nil
	}
	pat := pattern
	if kind == KindPipe {
		pat = pattern[1:]
	}
	var b strings.Builder
	pidInPattern := false
	wasSpace := kind == KindPipe // the first token starts an argument
	esc := func(s string) {
		// cn_esc_printf: "." and ".." would walk the path, empty names
		// could make "//"; every '/' becomes '!'.
		switch s {
		case ".":
			s = "!"
		case "..":
			s = "!."
		case "":
			s = "!"
		}
		b.WriteString(strings.ReplaceAll(s, "/", "!"))
	}
	for i := 0; i < len(pat); i++ {
		ch := pat[i]
		if kind == KindPipe && isSpace(ch) {
			if !wasSpace {
				b.WriteByte(0)
			}
			wasSpace = true
			continue
		}
		wasSpace = false
		if ch != '%' {
			b.WriteByte(ch)
			continue
		}
		i++
		if i >= len(pat) {
			break // a trailing '%' is dropped
		}
		switch pat[i] {
		case '%':
			b.WriteByte('%')
		case 'p':
			pidInPattern = true
			b.WriteString(strconv.Itoa(c.PID))
		case 'P':
			b.WriteString(strconv.Itoa(c.GlobalPID))
		case 'i':
			b.WriteString(strconv.Itoa(c.TID))
		case 'I':
			b.WriteString(strconv.Itoa(c.GlobalTID))
		case 'u':
			b.WriteString(strconv.FormatUint(uint64(c.UID), 10))
		case 'g':
			b.WriteString(strconv.FormatUint(uint64(c.GID), 10))
		case 'd':
			b.WriteString(strconv.Itoa(c.DumpMode))
		case 's':
			b.WriteString(strconv.Itoa(c.Signal))
		case 't':
			b.WriteString(strconv.FormatInt(c.Time, 10))
		case 'h':
			esc(c.Hostname)
		case 'e':
			esc(c.Comm)
		case 'f':
			if c.Exe == "" {
				esc(c.Comm + " (path unknown)")
			} else {
				esc(path.Base(c.Exe))
			}
		case 'E':
			if c.Exe == "" {
				esc(c.Comm + " (path unknown)")
			} else {
				esc(c.Exe)
			}
		case 'c':
			b.WriteString(strconv.FormatUint(c.CoreLimit, 10))
		case 'C':
			b.WriteString(strconv.Itoa(c.CPU))
		case 'F':
			// The kernel installs a pidfd only for a helper it spawns.
			if kind == KindPipe {
				b.WriteString(strconv.Itoa(c.PidfdNumber))
			}
		}
		// Any other character: the kernel drops "%x" silently.
	}
	if kind == KindPipe {
		// Each whitespace run ended one argument with a NUL; a trailing
		// run starts no new one.
		out := strings.TrimSuffix(b.String(), "\x00")
		if out == "" {
			return "", nil
		}
		argv = strings.Split(out, "\x00")
		return strings.Join(argv, " "), argv
	}
	if !pidInPattern && coreUsesPID {
		fmt.Fprintf(&b, ".%d", c.PID)
	}
	return b.String(), nil
}

// isSpace matches the kernel's isspace() on the ASCII range.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
