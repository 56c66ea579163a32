package corehook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Meta is the JSON sidecar stored next to each core.
type Meta struct {
	ID         string    `json:"id"`
	Time       time.Time `json:"time"`
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
	Threads    int       `json:"threads,omitempty"`

	// Size is the core's logical size as received; DiskSize what it takes.
	Size        int64  `json:"size"`
	DiskSize    int64  `json:"disk_size"`
	CorePath    string `json:"core_path,omitempty"`
	Compression string `json:"compression"`
	Truncated   bool   `json:"truncated"`
	// TruncatedWhy: "stream" (the kernel stopped early, e.g. SIGKILL),
	// "RLIMIT_CORE", or a read/write error.
	TruncatedWhy string `json:"truncated_why,omitempty"`
	// Dropped names the limit that kept the core itself out of the store.
	Dropped string `json:"dropped,omitempty"`

	BuildIDs []BuildID `json:"build_ids"`
	Mapped   []string  `json:"mapped_files,omitempty"`

	// ProcVerified: /proc/<pid> was read through a dirfd proven to be the
	// crasher (pidfd, or core_pipe_limit holding the PID).
	ProcVerified bool   `json:"proc_verified"`
	Pidfd        bool   `json:"pidfd"`
	RootOnly     bool   `json:"root_only"`
	RootOnlyWhy  string `json:"root_only_why,omitempty"`
	NoteError    string `json:"note_error,omitempty"`
	ConfigError  string `json:"config_error,omitempty"`
	Previous     string `json:"previous,omitempty"` // where the previous pattern's copy went, or why not
	ReleaseMs    int64  `json:"release_ms"`         // last byte to stdin closed
	HandleMs     int64  `json:"handle_ms"`
	PeakRSSKB    int64  `json:"peak_rss_kb,omitempty"` // the handler's own peak
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

func sidecarName(id string) string { return id + ".json" }

// Entry is one stored crash.
type Entry struct {
	Meta
	SidecarPath string `json:"-"`
}

// List reads every sidecar in store, oldest first.
func List(store string) ([]Entry, error) {
	des, err := os.ReadDir(store)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // nothing crashed yet
	}
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, de := range des {
		name := de.Name()
		if !strings.HasSuffix(name, ".json") || name == stateFileName || strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(store, name)
		b, err := readSmall(p)
		if err != nil {
			continue // unreadable for this user, or vanishing under gc
		}
		var m Meta
		if json.Unmarshal(b, &m) != nil || m.ID == "" {
			continue
		}
		out = append(out, Entry{Meta: m, SidecarPath: p})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

func readSmall(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 16<<20))
}

// Find resolves ID as an id (or unique id prefix), a pid, or a comm; among
// several pid or comm matches the newest wins, as coredumpctl does.
func Find(store, id string) (*Entry, error) {
	all, err := List(store)
	if err != nil {
		return nil, err
	}
	var prefix []*Entry
	for i := range all {
		e := &all[i]
		if e.ID == id {
			return e, nil
		}
		if strings.HasPrefix(e.ID, id) {
			prefix = append(prefix, e)
		}
	}
	if len(prefix) == 1 {
		return prefix[0], nil
	}
	pid, perr := strconv.Atoi(id)
	for i := len(all) - 1; i >= 0; i-- {
		e := &all[i]
		if (perr == nil && (e.PID == pid || e.NSPID == pid)) || e.Comm == id {
			return e, nil
		}
	}
	if len(prefix) > 1 {
		return nil, fmt.Errorf("%q matches %d crashes; give more of the id", id, len(prefix))
	}
	return nil, fmt.Errorf("no stored crash matches %q", id)
}

// Remove deletes a crash's core and sidecar.
func (e *Entry) Remove() error {
	var errs []error
	if e.CorePath != "" {
		if err := os.Remove(e.CorePath); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := os.Remove(e.SidecarPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// DropRecord is one line of <store>/dropped.log: what a limit removed, and why.
type DropRecord struct {
	Time   time.Time `json:"time"`
	ID     string    `json:"id"`
	UID    uint32    `json:"uid"`
	Comm   string    `json:"comm"`
	Size   int64     `json:"disk_size"`
	Reason string    `json:"reason"`
}

const dropLogName = "dropped.log"

func appendDropLog(store string, recs []DropRecord) error {
	if len(recs) == 0 {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(store, dropLogName), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// fsSpace is the store's file system size and free bytes.
type fsSpace struct{ Total, Free uint64 }

// GC applies MaxUse, KeepFree and MaxUsePerUID: while a limit is exceeded it
// deletes the oldest core of the uid over its share, or else of the uid using
// the most space, and records each deletion in dropped.log. Sizes given as
// percentages need the file system size; where it is unknown they are skipped.
func GC(store string, cfg Config) ([]DropRecord, error) {
	entries, err := List(store)
	if err != nil {
		return nil, err
	}
	space, spaceErr := statFS(store)
	var used uint64
	perUID := map[uint32]uint64{}
	for _, e := range entries {
		used += uint64(e.DiskSize)
		perUID[e.UID] += uint64(e.DiskSize)
	}
	limit := func(s Size) (uint64, bool) {
		if s.Percent > 0 {
			if spaceErr != nil {
				return 0, false
			}
			if s.Percent >= 100 {
				return 0, false
			}
			return s.Of(space.Total), true
		}
		return s.Bytes, s != Unlimited
	}
	maxUse, haveMax := limit(cfg.MaxUse)
	keepFree, haveKeep := limit(cfg.KeepFree)
	uidMax, haveUID := limit(cfg.MaxUsePerUID)
	free := space.Free
	var dropped []DropRecord
	removed := map[string]bool{}
	for {
		reason := ""
		var victimUID uint32
		switch {
		case haveUID && anyOver(perUID, uidMax, &victimUID):
			reason = "MaxUsePerUID"
		case haveMax && used > maxUse:
			reason = "MaxUse"
			victimUID = biggest(perUID)
		case haveKeep && spaceErr == nil && free < keepFree:
			reason = "KeepFree"
			victimUID = biggest(perUID)
		}
		if reason == "" {
			break
		}
		var victim *Entry
		for i := range entries {
			if !removed[entries[i].ID] && entries[i].UID == victimUID {
				victim = &entries[i]
				break
			}
		}
		if victim == nil {
			break
		}
		if err := victim.Remove(); err != nil {
			return dropped, errors.Join(err, appendDropLog(store, dropped))
		}
		removed[victim.ID] = true
		sz := uint64(victim.DiskSize)
		used -= min(used, sz)
		perUID[victim.UID] -= min(perUID[victim.UID], sz)
		if perUID[victim.UID] == 0 {
			delete(perUID, victim.UID)
		}
		free += sz
		dropped = append(dropped, DropRecord{Time: time.Now().UTC(), ID: victim.ID, UID: victim.UID, Comm: victim.Comm, Size: victim.DiskSize, Reason: reason})
	}
	return dropped, appendDropLog(store, dropped)
}

func anyOver(perUID map[uint32]uint64, max uint64, which *uint32) bool {
	found := false
	var worst uint64
	for uid, n := range perUID {
		if n > max && (!found || n > worst || (n == worst && uid < *which)) {
			found, worst, *which = true, n, uid
		}
	}
	return found
}

func biggest(perUID map[uint32]uint64) uint32 {
	var best uint32
	var most uint64
	first := true
	for uid, n := range perUID {
		if first || n > most || (n == most && uid < best) {
			best, most, first = uid, n, false
		}
	}
	return best
}

func jsonIndent(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), err
}
