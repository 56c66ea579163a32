package corehook

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/quirkcheck/quirk/corehook/storm"
)

// StormStatus is what "quirk corehook status" shows of crash-storm control.
type StormStatus struct {
	File     string          `json:"file"`
	Counters *storm.Counters `json:"counters,omitempty"`
	Note     string          `json:"note,omitempty"` // why there are no counters, or a rebuild
}

// GetStormStatus reads the storm state's counters under its lock; nil when
// storm control is off for cfg's store. A missing file means no crash was
// handled since boot; an untrusted one is rebuilt, as a handler would.
func GetStormStatus(cfg Config) *StormStatus {
	sc := cfg.StormConfig()
	if sc.Path == "" {
		return nil
	}
	ss := &StormStatus{File: sc.Path}
	if _, err := os.Lstat(sc.Path); errors.Is(err, os.ErrNotExist) {
		ss.Note = "no crash handled since boot"
		return ss
	}
	st, err := storm.Open(sc, func(line string) { ss.Note = line })
	if err != nil {
		ss.Note = err.Error()
		return ss
	}
	defer st.Close()
	c, err := st.Counters()
	if err != nil {
		ss.Note = err.Error()
		return ss
	}
	ss.Counters = &c
	// Reading may have repaired a dead handler's half-done admit: record it.
	OpenStore(cfg.Store).appendDropLog(reapedRecords(st.TakeReaped()))
	return ss
}

// reapedRecords are the dropped.log records of crashes whose handlers died
// before accounting for them.
func reapedRecords(reaped []storm.Reaped) []DropRecord {
	recs := make([]DropRecord, len(reaped))
	for i, r := range reaped {
		recs[i] = DropRecord{Time: time.Now().UTC(), ID: fmt.Sprintf("pid-%d", r.CrashPID), UID: r.UID, Comm: r.Comm,
			Reason: fmt.Sprintf("handler %d died (admitted %s)", r.HandlerPID, r.Since.UTC().Format(time.RFC3339))}
	}
	return recs
}
