package corehook

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Meta is the JSON sidecar stored next to each core.
type Meta struct {
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Received is when the handler started on it, in nanoseconds: it
	// orders crashes within the second that %t gives.
	Received   time.Time `json:"received"`
	PID        int       `json:"pid"`    // %P, initial PID namespace
	NSPID      int       `json:"ns_pid"` // %p, the crasher's own namespace
	TID        int       `json:"tid"`    // %I
	UID        uint32    `json:"uid"`
	GID        uint32    `json:"gid"`
	Signal     int       `json:"signal"`
	SignalName string    `json:"signal_name"`
	Comm       string    `json:"comm"`
	Exe        string    `json:"exe"`
	Cmdline    []string  `json:"cmdline,omitempty"`
	Cwd        string    `json:"cwd,omitempty"`
	Cgroup     string    `json:"cgroup,omitempty"`
	Hostname   string    `json:"hostname"`
	BootID     string    `json:"boot_id,omitempty"`
	DumpMode   int       `json:"dump_mode"`
	CoreLimit  string    `json:"core_limit"` // %c as the kernel printed it
	FaultAddr  string    `json:"fault_addr,omitempty"`
	// FaultFrame is the dumping thread's PC as "file+offset" (verified /proc
	// only); Signature hashes exe, signal and frame: storm control's dedup key.
	FaultFrame string `json:"fault_frame,omitempty"`
	Signature  string `json:"signature,omitempty"`
	Threads    int    `json:"threads,omitempty"`

	// Size is the core's logical size as received; DiskSize what it takes.
	// ExpectedSize is what its program headers promise (0 if unknown).
	Size         int64  `json:"size"`
	ExpectedSize int64  `json:"expected_size,omitempty"`
	DiskSize     int64  `json:"disk_size"`
	CorePath     string `json:"core_path,omitempty"`
	// CoreInode, CoreFileSize and CoreCtimeNs identify the stored file as
	// committed (an inode number alone is reused after a delete): dump and
	// debug open only a file that still matches them.
	CoreInode    uint64 `json:"core_inode,omitempty"`
	CoreFileSize int64  `json:"core_file_size,omitempty"`
	CoreCtimeNs  int64  `json:"core_ctime_ns,omitempty"`
	Compression  string `json:"compression"`
	Truncated    bool   `json:"truncated"`
	// TruncatedWhy: "stream" (the kernel stopped early, e.g. SIGKILL),
	// "RLIMIT_CORE", or a read/write error.
	TruncatedWhy string `json:"truncated_why,omitempty"`
	// Dropped names the limit that kept the core itself out of the store.
	Dropped string `json:"dropped,omitempty"`

	BuildIDs []BuildID `json:"build_ids"`
	Mapped   []string  `json:"mapped_files,omitempty"`

	// ProcVerified: /proc/<pid> was read through a dirfd a pidfd proved to
	// be the crasher's. Otherwise exe, cmdline, cwd and cgroup (if present)
	// may describe another process, and ProcWhy says why.
	ProcVerified bool   `json:"proc_verified"`
	ProcWhy      string `json:"proc_why,omitempty"`
	Pidfd        bool   `json:"pidfd"`
	RootOnly     bool   `json:"root_only"`
	RootOnlyWhy  string `json:"root_only_why,omitempty"`
	NoteError    string `json:"note_error,omitempty"`
	ConfigError  string `json:"config_error,omitempty"`
	Previous     string `json:"previous,omitempty"` // where the previous pattern's copy went, or why not
	ReleaseMs    int64  `json:"release_ms"`         // last byte to stdin closed
	HandleMs     int64  `json:"handle_ms"`
	CompressMs   int64  `json:"compress_ms,omitempty"` // Compress = after: the step after the release
	PeakRSSKB    int64  `json:"peak_rss_kb,omitempty"` // the handler's own peak
	// Raw keeps the exact bytes of names that are not valid UTF-8: a
	// JSON string cannot hold them (they would read back as U+FFFD, and
	// debug could not find the executable). List puts them back.
	Raw *RawNames `json:"raw,omitempty"`
	// Trimmed lists the fields shortened to keep the sidecar under
	// sidecarMax (a crash with thousands of long mapped paths).
	Trimmed []string `json:"trimmed,omitempty"`
}

var signalNames = map[int]string{
	1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT",
	7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2",
	13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS",
}

// SignalName returns the Linux name of a signal number.
func SignalName(sig int) string {
	if n, ok := signalNames[sig]; ok {
		return n
	}
	return "SIG" + strconv.Itoa(sig)
}

// sidecarMax bounds a sidecar: its space is reserved before the core
// streams in, and it counts against the store's limits like the core.
const sidecarMax = 256 << 10

// boundSidecar shortens the crasher-sized lists of m (mapped files,
// build-ids, the command line) until its JSON fits in sidecarMax. The
// executable's build-id, first in the list, is the last to go.
func boundSidecar(m *Meta) {
	size := func() int {
		m.keepRawNames()
		b, _ := jsonIndent(m)
		return len(b)
	}
	for size() > sidecarMax {
		switch {
		case len(m.Mapped) > 0:
			m.Mapped = m.Mapped[:len(m.Mapped)/2]
			addTrimmed(m, "mapped_files")
		case len(m.BuildIDs) > 1:
			m.BuildIDs = m.BuildIDs[:len(m.BuildIDs)/2]
			addTrimmed(m, "build_ids")
		case len(m.Cmdline) > 1:
			m.Cmdline = m.Cmdline[:len(m.Cmdline)/2]
			addTrimmed(m, "cmdline")
		default:
			// Single strings from the crasher (a 4 KiB exe path, one huge
			// argument): cut them to a size JSON escaping cannot inflate
			// past the bound.
			for _, f := range []*string{&m.Exe, &m.Cwd, &m.Cgroup, &m.NoteError, &m.Previous} {
				if len(*f) > 4096 {
					*f = (*f)[:4096]
				}
			}
			for i := range m.Cmdline {
				if len(m.Cmdline[i]) > 4096 {
					m.Cmdline[i] = m.Cmdline[i][:4096]
				}
			}
			for i := range m.BuildIDs {
				if len(m.BuildIDs[i].Path) > 4096 {
					m.BuildIDs[i].Path = m.BuildIDs[i].Path[:4096]
				}
			}
			addTrimmed(m, "strings")
			return
		}
	}
}

func addTrimmed(m *Meta, field string) {
	for _, f := range m.Trimmed {
		if f == field {
			return
		}
	}
	m.Trimmed = append(m.Trimmed, field)
}

// RawNames are the bytes of Meta's names that are not valid UTF-8, by field
// (and by index for lists).
type RawNames struct {
	Comm     []byte         `json:"comm,omitempty"`
	Exe      []byte         `json:"exe,omitempty"`
	Cwd      []byte         `json:"cwd,omitempty"`
	Cmdline  map[int][]byte `json:"cmdline,omitempty"`
	Mapped   map[int][]byte `json:"mapped_files,omitempty"`
	BuildIDs map[int][]byte `json:"build_ids,omitempty"`
}

// keepRawNames fills m.Raw before m is written as JSON.
func (m *Meta) keepRawNames() {
	var r RawNames
	found := false
	one := func(s string) []byte {
		if utf8.ValidString(s) {
			return nil
		}
		found = true
		return []byte(s)
	}
	list := func(ss []string) map[int][]byte {
		var out map[int][]byte
		for i, s := range ss {
			if b := one(s); b != nil {
				if out == nil {
					out = map[int][]byte{}
				}
				out[i] = b
			}
		}
		return out
	}
	r.Comm, r.Exe, r.Cwd = one(m.Comm), one(m.Exe), one(m.Cwd)
	r.Cmdline, r.Mapped = list(m.Cmdline), list(m.Mapped)
	paths := make([]string, len(m.BuildIDs))
	for i, b := range m.BuildIDs {
		paths[i] = b.Path
	}
	r.BuildIDs = list(paths)
	m.Raw = nil
	if found {
		m.Raw = &r
	}
}

// restoreRawNames puts the exact bytes back after m was read from JSON.
func (m *Meta) restoreRawNames() {
	r := m.Raw
	if r == nil {
		return
	}
	set := func(dst *string, b []byte) {
		if b != nil {
			*dst = string(b)
		}
	}
	set(&m.Comm, r.Comm)
	set(&m.Exe, r.Exe)
	set(&m.Cwd, r.Cwd)
	for i, b := range r.Cmdline {
		if i >= 0 && i < len(m.Cmdline) {
			m.Cmdline[i] = string(b)
		}
	}
	for i, b := range r.Mapped {
		if i >= 0 && i < len(m.Mapped) {
			m.Mapped[i] = string(b)
		}
	}
	for i, b := range r.BuildIDs {
		if i >= 0 && i < len(m.BuildIDs) {
			m.BuildIDs[i].Path = string(b)
		}
	}
}
