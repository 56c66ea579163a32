package corehook

import (
	"errors"
	"time"
)

// Vacuum: the store's limits, applied after every stored crash and by
// "quirk corehook gc". systemd-coredump does the same in coredump-vacuum.c.

// fsSpace is the store's file system size and free bytes.
type fsSpace struct{ Total, Free uint64 }

// GC applies cfg's limits to the store in dir; see Store.GC.
func GC(dir string, cfg Config) ([]DropRecord, error) { return OpenStore(dir).GC(cfg) }

// GC applies MaxUse, KeepFree and MaxUsePerUID: while a limit is exceeded it
// deletes the oldest core of the uid over its share, or else of the uid using
// the most space, and records each deletion in dropped.log. Sizes given as
// percentages need the file system size; where it is unknown they are skipped.
func (s Store) GC(cfg Config) ([]DropRecord, error) {
	entries, err := s.List()
	if err != nil {
		return nil, err
	}
	space, spaceErr := statFS(s.Dir)
	var used uint64
	perUID := map[uint32]uint64{}
	for _, e := range entries {
		used += uint64(e.DiskSize)
		perUID[e.UID] += uint64(e.DiskSize)
	}
	limit := func(sz Size) (uint64, bool) {
		if sz.Percent > 0 {
			if spaceErr != nil {
				return 0, false
			}
			if sz.Percent >= 100 {
				return 0, false
			}
			return sz.Of(space.Total), true
		}
		return sz.Bytes, sz != Unlimited
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
			return dropped, errors.Join(err, s.appendDropLog(dropped))
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
	return dropped, s.appendDropLog(dropped)
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
