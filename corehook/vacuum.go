package corehook

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Vacuum and quotas: every decision about how much of the store's file
// system crashes may take lives in this file (systemd: coredump-vacuum.c).
// GC applies the limits after every stored crash and for "quirk corehook
// gc"; Store.admit decides, before and while a core streams in, how much
// room it may take, evicting older crashes for it. Sidecars count like
// cores. Callers that serialise crash storms can wrap these two entry
// points under their own lock.

// fsSpace is the store's file system size and free bytes.
type fsSpace struct{ Total, Free uint64 }

// limits are cfg's store limits resolved against the file system: a zero
// value with its have* false means "no limit".
type limits struct {
	maxUse, keepFree, uidMax   uint64
	haveMax, haveKeep, haveUID bool
	space                      fsSpace
	spaceOK                    bool
}

func (s Store) limits(cfg Config) limits {
	space, spaceErr := statFS(s.Dir)
	l := limits{space: space, spaceOK: spaceErr == nil}
	resolve := func(sz Size) (uint64, bool) {
		if sz.Percent > 0 {
			if !l.spaceOK || sz.Percent >= 100 {
				return 0, false
			}
			return sz.Of(space.Total), true
		}
		return sz.Bytes, sz != Unlimited
	}
	l.maxUse, l.haveMax = resolve(cfg.MaxUse)
	l.keepFree, l.haveKeep = resolve(cfg.KeepFree)
	l.uidMax, l.haveUID = resolve(cfg.MaxUsePerUID)
	l.haveKeep = l.haveKeep && l.spaceOK
	return l
}

// ledger is the store's usage, core and sidecar together, as crashes are
// evicted from it oldest first.
type ledger struct {
	store   Store
	entries []Entry // oldest first
	removed map[string]bool
	perUID  map[uint32]uint64
	used    uint64
	dropped []DropRecord
}

func (s Store) ledger() (*ledger, error) {
	entries, err := s.List()
	if err != nil {
		return nil, err
	}
	l := &ledger{store: s, entries: entries, removed: map[string]bool{}, perUID: map[uint32]uint64{}}
	for _, e := range entries {
		n := e.footprint()
		l.used += n
		l.perUID[e.UID] += n
	}
	return l, nil
}

// footprint is what a stored crash takes: its core and its sidecar.
func (e *Entry) footprint() uint64 { return uint64(max(e.DiskSize, 0) + e.SidecarSize) }

// evictFrom removes the oldest crash of uid and returns the bytes freed
// (0 when uid has nothing left).
func (l *ledger) evictFrom(uid uint32, reason string) (uint64, error) {
	for i := range l.entries {
		e := &l.entries[i]
		if l.removed[e.ID] || e.UID != uid {
			continue
		}
		if err := e.Remove(); err != nil {
			return 0, err
		}
		l.removed[e.ID] = true
		n := e.footprint()
		l.used -= min(l.used, n)
		l.perUID[uid] -= min(l.perUID[uid], n)
		if l.perUID[uid] == 0 {
			delete(l.perUID, uid)
		}
		l.dropped = append(l.dropped, DropRecord{Time: time.Now().UTC(), ID: e.ID, UID: e.UID, Comm: e.Comm, Size: int64(n), Reason: reason})
		return n, nil
	}
	return 0, nil
}

// GC applies cfg's limits to the store in dir; see Store.GC.
func GC(dir string, cfg Config) ([]DropRecord, error) { return OpenStore(dir).GC(cfg) }

// GC applies MaxUse, KeepFree and MaxUsePerUID: while a limit is exceeded it
// deletes the oldest crash of the uid over its share, or else of the uid
// using the most space, and records each deletion in dropped.log. It also
// removes the temporary files of handlers that died. Sizes given as
// percentages need the file system size; where it is unknown they are
// skipped.
func (s Store) GC(cfg Config) ([]DropRecord, error) {
	stale, staleErr := s.removeStaleTemps(staleTempAge)
	l, err := s.ledger()
	if err == nil {
		orphans, oerr := s.removeOrphans(l.entries, staleTempAge)
		stale, staleErr = append(stale, orphans...), errors.Join(staleErr, oerr)
	}
	if err != nil {
		return stale, errors.Join(staleErr, err)
	}
	l.dropped = stale
	lim := s.limits(cfg)
	free := lim.space.Free
	for {
		reason := ""
		var victimUID uint32
		switch {
		case lim.haveUID && anyOver(l.perUID, lim.uidMax, &victimUID):
			reason = "MaxUsePerUID"
		case lim.haveMax && l.used > lim.maxUse:
			reason = "MaxUse"
			victimUID = biggest(l.perUID)
		case lim.haveKeep && free < lim.keepFree:
			reason = "KeepFree"
			victimUID = biggest(l.perUID)
		}
		if reason == "" {
			break
		}
		n, err := l.evictFrom(victimUID, reason)
		if err != nil {
			return l.dropped, errors.Join(staleErr, err, s.appendDropLog(l.dropped))
		}
		if n == 0 {
			break
		}
		free += n
	}
	return l.dropped, errors.Join(staleErr, s.appendDropLog(l.dropped))
}

// admission is the room one new core may take on disk, checked as it
// streams in. When the core needs more, older crashes are evicted first,
// as GC would evict them after the new crash is stored (the newest crash is
// the one worth keeping); when nothing is left to evict, the core is
// dropped and the reason recorded.
type admission struct {
	lim    limits
	ledger *ledger // nil when the store cannot be listed
	room   uint64  // free bytes above KeepFree, as of the last look
	err    error
	// serialize runs an eviction under the storm state's lock (nil: none),
	// so concurrent handlers never evict at once.
	serialize func(func() error) error
}

// admit starts the admission of a new core. The sidecar's reservation is
// already allocated, so it is in the free space statfs reports.
func (s Store) admit(cfg Config) *admission {
	a := &admission{lim: s.limits(cfg)}
	a.ledger, a.err = s.ledger()
	a.room = ^uint64(0)
	if a.lim.haveKeep {
		a.room = a.lim.space.Free - min(a.lim.space.Free, a.lim.keepFree)
	}
	return a
}

// check says whether a core that takes disk bytes so far still fits; it
// returns "" or why it does not. MaxUse is a budget: a core over it alone
// is dropped, and older crashes are evicted for a new one only after it is
// stored (GC). KeepFree is physical: the bytes must exist as the core is
// written, so older crashes are evicted as it grows (newest first to keep).
func (a *admission) check(disk uint64) string {
	if a.lim.haveMax && disk > a.lim.maxUse {
		return fmt.Sprintf("MaxUse: the core alone takes more than the store may (%s)", humanBytes(a.lim.maxUse))
	}
	for a.lim.haveKeep && disk > a.room {
		var freed uint64
		evict := func() error { freed = a.evict("KeepFree: room for a newer crash"); return nil }
		if a.serialize == nil || a.serialize(evict) != nil {
			evict()
		}
		if freed == 0 {
			return fmt.Sprintf("KeepFree: the store's file system keeps %s free and has no room for more", humanBytes(a.lim.keepFree))
		}
	}
	return ""
}

// evict removes the oldest crash of the uid using the most and returns
// the bytes freed.
func (a *admission) evict(reason string) uint64 {
	if a.ledger == nil || len(a.ledger.perUID) == 0 {
		return 0
	}
	n, err := a.ledger.evictFrom(biggest(a.ledger.perUID), reason)
	if err != nil {
		a.err = errors.Join(a.err, err)
		return 0
	}
	a.room += n
	return n
}

// finish records the evictions in dropped.log.
func (a *admission) finish() error {
	if a.ledger == nil {
		return a.err
	}
	return errors.Join(a.err, a.ledger.store.appendDropLog(a.ledger.dropped))
}

func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
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

// staleTempAge is how old a temporary file must be before its writer's
// lock is tested: create and lock are two steps.
const staleTempAge = time.Minute

// removeStaleTemps deletes the .tmp-* files of writers that are gone: a
// writer holds an exclusive flock on its file until it commits or aborts,
// so a file older than minAge that can be locked has no writer left (a
// handler killed mid-dump). Each removal is recorded.
func (s Store) removeStaleTemps(minAge time.Duration) ([]DropRecord, error) {
	des, err := os.ReadDir(s.Dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []DropRecord
	var errs []error
	for _, de := range des {
		name := de.Name()
		if !strings.HasPrefix(name, tmpPrefix) || !de.Type().IsRegular() {
			continue
		}
		fi, err := de.Info()
		if err != nil || time.Since(fi.ModTime()) < minAge {
			continue
		}
		gone, err := writerGone(s.path(name))
		if err != nil || !gone {
			continue
		}
		if err := os.Remove(s.path(name)); err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, DropRecord{Time: time.Now().UTC(), ID: name, Size: fi.Size(),
			Reason: "stale temporary file: its writer died (last written " + fi.ModTime().UTC().Format(time.RFC3339) + ")"})
	}
	return out, errors.Join(errs...)
}

// removeOrphans deletes committed cores no sidecar names, older than
// minAge: what a handler killed between committing a file and writing the
// sidecar that names it leaves (a "Compress = after" handler killed after
// the .zst was committed, before the sidecar was rewritten). Young ones are
// left alone: a handler commits the core just before its sidecar.
func (s Store) removeOrphans(entries []Entry, minAge time.Duration) ([]DropRecord, error) {
	named := map[string]bool{}
	listed := map[string]bool{}
	for _, e := range entries {
		named[filepath.Base(e.CorePath)] = true
		listed[e.ID] = true
	}
	des, err := os.ReadDir(s.Dir)
	if err != nil {
		return nil, err
	}
	var out []DropRecord
	var errs []error
	for _, de := range des {
		name := de.Name()
		id, _, ok := strings.Cut(name, ".core")
		if !ok || strings.HasPrefix(name, ".") || !de.Type().IsRegular() || named[name] || (coreName(id, "zstd") != name && coreName(id, "none") != name) {
			continue
		}
		fi, err := de.Info()
		if err != nil || time.Since(fi.ModTime()) < minAge {
			continue
		}
		if !listed[id] {
			// No sidecar read: one that exists but cannot be parsed
			// may still name it, and a missing one may be on its way.
			if _, err := os.Lstat(s.path(sidecarName(id))); err == nil || time.Since(fi.ModTime()) < 2*minAge {
				continue
			}
		}
		if err := os.Remove(s.path(name)); err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, DropRecord{Time: time.Now().UTC(), ID: id, Size: fi.Size(), Reason: "orphaned core: no sidecar names " + name})
	}
	return out, errors.Join(errs...)
}
