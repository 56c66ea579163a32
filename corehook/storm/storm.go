// Package storm is corehook's crash-storm control: one small state file on
// tmpfs (DefaultPath), shared by every concurrently running handler through
// a robust process-shared lock (corehook/plock), decides for each crash
// whether its full core is written or only its metadata, and counts every
// crash that reached a handler.
//
// The decisions, all taken under the lock:
//   - per-signature dedup: the first Config.DedupKeep crashes with one
//     signature (executable, signal, faulting frame) per Config.DedupWindow
//     get a core, the rest are counted;
//   - a token bucket (Config.Burst, Config.Rate per second) bounds full
//     cores in a storm;
//   - Config.Writers writer slots bound how many handlers write to disk at
//     once; the others wait Config.SlotWait, then store metadata only;
//   - callers run their quota decisions (vacuum) inside Locked, so two
//     handlers never evict or overfill at once.
//
// A handler killed anywhere leaves the state consistent: every update is
// journaled (the body is copied to a shadow first) so the next owner of the
// lock rolls a half-done update back; a crash is announced before the lock
// is taken, so one whose handler died before recording it is still counted;
// a dead handler's admitted crash is found by its PID and start time and
// counted as dropped; its writer slot
// comes back through the robust mutex. A file that is corrupted, foreign,
// from another boot, or not root's 0600 regular file is never trusted: it is
// rebuilt (atomically, by rename) and the rebuild is logged.
package storm

import "time"

// DefaultPath is where handlers share their state: tmpfs, so it starts empty
// at every boot.
const DefaultPath = "/run/quirk/corehook.state"

// Config is the storm control part of corehook's configuration.
type Config struct {
	Path        string        // state file; "" disables storm control
	Burst       int           // token bucket size: full cores in a burst
	Rate        float64       // full cores per second, refilled continuously
	DedupKeep   int           // full cores kept per signature and window; 0: no dedup
	DedupWindow time.Duration // the dedup window; 0: forever
	Writers     int           // writer slots (1..16), fixed when the file is created
	SlotWait    time.Duration // how long a handler waits for a writer slot
	LockWait    time.Duration // how long a handler waits for the state lock
}

// DefaultConfig returns the defaults: 16 full cores in a burst, then one
// every 4 seconds; 3 per signature per hour; 2 writers.
func DefaultConfig() Config {
	return Config{
		Path: DefaultPath, Burst: 16, Rate: 0.25, DedupKeep: 3, DedupWindow: time.Hour,
		Writers: 2, SlotWait: 10 * time.Second, LockWait: 10 * time.Second,
	}
}

// Counters are the state file's totals since it was created. Every crash
// that reached a handler is Received; once its handler is done it is exactly
// one of Stored, MetadataOnly or Dropped; InFlight are the ones still being
// handled. Deduplicated, RateLimited and NoSlot count why a crash got
// metadata only; HandlerDied counts dropped crashes whose handler was killed;
// Repairs counts lock or slot owners found dead; Rebuilt is 1 when this file
// replaced a corrupted or foreign one.
type Counters struct {
	Received     uint64 `json:"received"`
	Stored       uint64 `json:"stored"`
	MetadataOnly uint64 `json:"metadata_only"`
	Dropped      uint64 `json:"dropped"`
	Deduplicated uint64 `json:"deduplicated"`
	RateLimited  uint64 `json:"rate_limited"`
	NoSlot       uint64 `json:"no_writer_slot"`
	HandlerDied  uint64 `json:"handler_died"`
	Repairs      uint64 `json:"owner_died_repairs"`
	Rebuilt      uint64 `json:"rebuilt"`
	InFlight     uint64 `json:"in_flight"`
}

// Decision is what Admit decided for one crash.
type Decision struct {
	Full   bool   // write the full core (a writer slot is held)
	Reason string // why not: "deduplicated", "rate-limited", "no writer slot"
}

// Outcome is how a handler ended a crash, for Done.
type Outcome int

const (
	Stored       Outcome = iota // the core is in the store
	MetadataOnly                // only the sidecar was written
	Dropped                     // nothing was written
)

// Reaped is a crash whose handler died before Done; the caller logs it.
type Reaped struct {
	HandlerPID, CrashPID int
	UID                  uint32
	Comm                 string
	Since                time.Time
}
