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

// Store is one store directory. It alone knows the on-disk layout:
//
//	<id>.core[.zst]   a core (zstd, or raw with holes for zero pages)
//	<id>.json         its sidecar (Meta), root's, mode 0600
//	state.json        what install saved (State), root's, mode 0600
//	dropped.log       one JSON DropRecord per line: what a limit removed
//	.tmp-<name>-*     a file being written; renamed to <name> when complete
//
// Every file but dropped.log is written through one atomic writer
// (Store.create, then pendingFile.commit): readers see the old file or the
// complete new one, never a partial one under a final name.
type Store struct {
	Dir string
}

// OpenStore returns the store in dir; nothing is created until a write.
// A relative dir is made absolute: sidecars name their cores by absolute
// paths, and the handler runs with cwd "/".
func OpenStore(dir string) Store {
	if dir != "" {
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
	}
	return Store{Dir: dir}
}

const (
	stateFileName = "state.json"
	dropLogName   = "dropped.log"
	tmpPrefix     = ".tmp-"
)

func (s Store) path(name string) string { return filepath.Join(s.Dir, name) }

func sidecarName(id string) string { return id + ".json" }

// coreName is the file name of a crash's core.
func coreName(id, compression string) string {
	if compression == "zstd" {
		return id + ".core.zst"
	}
	return id + ".core"
}

// StatePath is where the state file of the store in dir lives.
func StatePath(dir string) string { return OpenStore(dir).path(stateFileName) }

// Ensure creates the store directory (0755) and refuses a symlink, a
// directory others can write to, or one owned by another user.
func (s Store) Ensure() error {
	if !filepath.IsAbs(s.Dir) {
		return fmt.Errorf("store %q is not an absolute path", s.Dir)
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return err
	}
	fi, err := os.Lstat(s.Dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("store %s is not a directory", s.Dir)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("store %s is writable by group or others (%v)", s.Dir, fi.Mode().Perm())
	}
	return checkOwner(s.Dir, fi)
}

// pendingFile is a store file being written under a temporary name.
type pendingFile struct {
	*os.File
	final string // full path it gets on commit
}

// create starts writing the store file name. The temporary file is made
// with O_EXCL (a planted file or symlink is never opened) and mode 0600.
func (s Store) create(name string) (*pendingFile, error) {
	f, err := os.CreateTemp(s.Dir, tmpPrefix+name+"-*")
	if err != nil {
		return nil, err
	}
	// Held until commit or abort: a writer that dies leaves a file that
	// gc can tell from one still being written.
	lockWriter(f)
	return &pendingFile{File: f, final: s.path(name)}, nil
}

// reserve starts writing the store file name with n bytes allocated up
// front: a crash's sidecar is reserved before its core streams in, so that
// a store filled by the core (or by anyone else) still takes the record.
func (s Store) reserve(name string, n int64) (*pendingFile, error) {
	p, err := s.create(name)
	if err != nil {
		return nil, err
	}
	if err := reserveSpace(p.File, n); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		p.abort()
		return nil, err
	}
	return p, nil
}

// commitData writes data as the file's whole content and commits it.
func (p *pendingFile) commitData(data []byte, sync bool, access func(*os.File) error) error {
	_, err := p.WriteAt(data, 0)
	if err == nil {
		// Drops what is left of a reservation.
		err = p.Truncate(int64(len(data)))
	}
	if err == nil && access != nil {
		err = access(p.File)
	}
	if err != nil {
		p.abort()
		return err
	}
	return p.commit(sync)
}

// commit optionally fsyncs the file, closes it and renames it to its final
// name. On any error the temporary file is removed.
func (p *pendingFile) commit(sync bool) error {
	var err error
	if sync {
		err = p.Sync()
	}
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(p.Name(), p.final)
	}
	if err != nil {
		os.Remove(p.Name())
	}
	return err
}

// abort drops the temporary file; after a commit it does nothing.
func (p *pendingFile) abort() {
	if p.Close() == nil {
		os.Remove(p.Name())
	}
}

// writeFile atomically replaces the store file name with data. access,
// if not nil, sets the file's permissions before it gets its name.
func (s Store) writeFile(name string, data []byte, sync bool, access func(*os.File) error) error {
	p, err := s.create(name)
	if err != nil {
		return err
	}
	return p.commitData(data, sync, access)
}

// ReadState loads the state file of the store in dir.
func ReadState(dir string) (*State, error) { return OpenStore(dir).ReadState() }

// ReadState loads the store's state file.
func (s Store) ReadState() (*State, error) {
	p := s.path(stateFileName)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return &st, nil
}

// writeState saves st, always synced: it is the only way back to the
// admin's kernel values.
func (s Store) writeState(st *State) error {
	b, err := jsonIndent(st)
	if err != nil {
		return err
	}
	return s.writeFile(stateFileName, b, true, nil)
}

// setAsideState renames an existing state file to state.json.<time>: one
// left by an install someone else displaced still holds the admin's older
// values, so it is kept beside the new one instead of being overwritten.
func (s Store) setAsideState() error {
	p := s.path(stateFileName)
	if _, err := os.Lstat(p); err != nil {
		return nil
	}
	return os.Rename(p, p+"."+time.Now().UTC().Format("20060102T150405"))
}

// removeState deletes the state file once everything was restored.
func (s Store) removeState() error { return os.Remove(s.path(stateFileName)) }

// writeSidecar stores m as <id>.json. It is root's (0600): root's dump and
// debug trust its core_path and identity. access may add read access for
// the crashing user, so that they can list their own crashes.
// A reservation from Store.reserve, if given, receives it.
func (s Store) writeSidecar(m *Meta, sync bool, access func(*os.File) error, rsv *pendingFile) error {
	m.keepRawNames()
	b, err := jsonIndent(m)
	if err != nil {
		return err
	}
	if rsv != nil {
		return rsv.commitData(b, sync, access)
	}
	return s.writeFile(sidecarName(m.ID), b, sync, access)
}

// Entry is one stored crash.
type Entry struct {
	Meta
	SidecarPath string `json:"-"`
	SidecarSize int64  `json:"-"` // counted with the core by the store's limits
}

// List reads every sidecar in the store in dir; see Store.List.
func List(dir string) ([]Entry, error) { return OpenStore(dir).List() }

// List reads every sidecar, oldest first.
func (s Store) List() ([]Entry, error) {
	des, err := os.ReadDir(s.Dir)
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
		p := s.path(name)
		b, err := readSmall(p)
		if err != nil {
			continue // unreadable for this user, or vanishing under gc
		}
		var m Meta
		if json.Unmarshal(b, &m) != nil || m.ID == "" {
			continue
		}
		m.restoreRawNames()
		size := int64(len(b))
		if fi, err := de.Info(); err == nil {
			size = fi.Size()
		}
		out = append(out, Entry{Meta: m, SidecarPath: p, SidecarSize: size})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		return out[i].Received.Before(out[j].Received)
	})
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

// Find looks id up in the store in dir; see Store.Find.
func Find(dir, id string) (*Entry, error) { return OpenStore(dir).Find(id) }

// Find resolves ID as an id (or unique id prefix), a pid, or a comm; among
// several pid or comm matches the newest wins, as coredumpctl does.
func (s Store) Find(id string) (*Entry, error) {
	all, err := s.List()
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
		freeCore(e.CorePath)
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

// appendDropLog appends to dropped.log: a log, not a replaced file, so it
// is the one store file not written through create/commit.
func (s Store) appendDropLog(recs []DropRecord) error {
	if len(recs) == 0 {
		return nil
	}
	f, err := os.OpenFile(s.path(dropLogName), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
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

func jsonIndent(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), err
}
