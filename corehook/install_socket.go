package corehook

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// DefaultSocket is where "quirk corehook serve" listens. Every component
// must be a real directory in the initial mount namespace: the kernel
// resolves it from init's root with LOOKUP_NO_SYMLINKS, so /var/run would
// not do.
const DefaultSocket = "/run/quirk/corehook.sock"

// KnobCoreModes lists the kinds of core_pattern the kernel supports
// ("file", "pipe", "socket"); it appeared with "@" in 6.16.
const KnobCoreModes = "kernel/core_modes"

// Install modes.
const (
	ModePipe   = "pipe"   // |quirk corehook handle …
	ModeSocket = "socket" // @@SOCKET (6.17+) or @SOCKET (6.16)
	ModeAuto   = "auto"   // socket if a server listens on it, else pipe
)

// SocketSupport reports which socket patterns this kernel takes: "@@"
// (request) from 6.17, plain "@" from 6.16. Both need "socket" in
// core_modes: an older kernel would read "@@/run/x" as a relative file name
// and the read-back would still match.
func SocketSupport(sys Sysctl) (request, plain bool) {
	modes, err := sys.ReadString(KnobCoreModes)
	if err != nil || !strings.Contains(" "+strings.Join(strings.Fields(modes), " ")+" ", " socket ") {
		return false, false
	}
	return sys.KernelAtLeast(6, 17), sys.KernelAtLeast(6, 16)
}

// SocketPattern returns the core_pattern naming socket, with the request
// protocol or without.
func SocketPattern(socket string, request bool) (string, error) {
	if !filepath.IsAbs(socket) || strings.Contains(socket, "..") || strings.ContainsFunc(socket, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", fmt.Errorf("socket path %q must be absolute, without spaces, control characters or '..' (kernel rule)", socket)
	}
	if len(socket) >= 108 {
		return "", fmt.Errorf("socket path %q is longer than an AF_UNIX address (107 bytes)", socket)
	}
	if request {
		return "@@" + socket, nil
	}
	return "@" + socket, nil
}

// SocketOf returns the socket path of a socket pattern and whether it uses
// the request protocol ("@@").
func SocketOf(pattern string) (path string, request bool) {
	if rest, ok := strings.CutPrefix(pattern, "@@"); ok {
		return rest, true
	}
	return strings.TrimPrefix(pattern, "@"), false
}

// isOurSocketPattern: a socket pattern whose socket is named corehook.sock
// in a directory named quirk (DefaultSocket, or the same name elsewhere).
func isOurSocketPattern(pattern string) bool {
	if Kind(pattern) != KindSocket {
		return false
	}
	p, _ := SocketOf(pattern)
	return filepath.Base(p) == "corehook.sock" && filepath.Base(filepath.Dir(p)) == "quirk"
}

// Listening reports whether some process listens on the AF_UNIX socket at
// path, from <proc>/net/unix (the network namespace of the caller, which
// for the kernel's connection must be the initial one). A socket file with
// no listener means every crash is lost: the kernel gets ECONNREFUSED.
func Listening(procRoot, path string) (bool, error) {
	if procRoot == "" {
		procRoot = "/proc"
	}
	b, err := readSmall(filepath.Join(procRoot, "net", "unix"))
	if err != nil {
		return false, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// Num RefCount Protocol Flags Type St Inode Path
		f := strings.Fields(sc.Text())
		if len(f) < 8 || f[7] != path {
			continue
		}
		// __SO_ACCEPTCON in Flags marks a listening socket.
		if f[3] == "00010000" {
			return true, nil
		}
	}
	return false, sc.Err()
}

// choosePatterns lists the patterns to try, best first, for opts.Mode: the
// socket patterns this kernel supports, then (auto only, or when nothing
// listens) the pipe.
func choosePatterns(sys Sysctl, opts InstallOptions, pipe func() (string, error)) ([]string, error) {
	mode := opts.Mode
	if mode == "" {
		mode = ModePipe
	}
	socket := opts.Socket
	if socket == "" {
		socket = DefaultSocket
	}
	var out []string
	switch mode {
	case ModePipe:
	case ModeSocket, ModeAuto:
		request, plain := SocketSupport(sys)
		listening, _ := Listening(sys.ProcRoot, socket)
		if mode == ModeAuto && !listening {
			break
		}
		if request {
			p, err := SocketPattern(socket, true)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		if plain {
			p, err := SocketPattern(socket, false)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		if mode == ModeSocket && len(out) == 0 {
			return nil, fmt.Errorf("this kernel has no core_pattern socket mode (needs Linux 6.16 and \"socket\" in %s)", KnobCoreModes)
		}
	default:
		return nil, fmt.Errorf("unknown install mode %q (want socket, pipe or auto)", mode)
	}
	if mode != ModeSocket {
		p, err := pipe()
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
