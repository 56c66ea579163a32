// Package upload ships stored cores to S3-compatible object storage from a
// local spool. The handler only drops a small job file into the spool after
// the core is safe on local disk and the crasher released; a separate
// uploader (the serve process, or "quirk corehook upload") drains it with
// retries and backoff. Object keys are derived from the host, boot id and
// core id, so a retried upload overwrites the same object instead of
// creating a second one.
package upload

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Job is one core waiting to be uploaded.
type Job struct {
	ID       string    `json:"id"`
	Host     string    `json:"host"`
	BootID   string    `json:"boot_id"`
	Core     string    `json:"core,omitempty"` // stored core file ("" when only the sidecar exists)
	Sidecar  string    `json:"sidecar"`
	Zstd     bool      `json:"zstd"` // Core is already zstd-compressed
	Queued   time.Time `json:"queued"`
	Attempts int       `json:"attempts"`
	NextTry  time.Time `json:"next_try"`
	LastErr  string    `json:"last_error,omitempty"`
}

// Spool is a directory of job files, one per core.
type Spool struct {
	Dir string
	// Max bounds the number of queued jobs; Add refuses past it, so a long
	// outage of the object store cannot fill the disk with job files (the
	// cores themselves stay under the store's own limits).
	Max int
}

// DefaultMax is the spool bound when Spool.Max is 0.
const DefaultMax = 1000

// ErrFull means the spool holds Max jobs already.
var ErrFull = errors.New("upload spool is full")

func (s Spool) max() int {
	if s.Max <= 0 {
		return DefaultMax
	}
	return s.Max
}

func (s Spool) path(id string) string { return filepath.Join(s.Dir, id+".job") }

// Add queues j. Writing it is one small file: cheap enough for the
// handler, which calls it after the crasher was released.
func (s Spool) Add(j Job) error {
	if strings.ContainsAny(j.ID, "/\x00") || j.ID == "" || strings.HasPrefix(j.ID, ".") {
		return fmt.Errorf("bad core id %q", j.ID)
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return err
	}
	jobs, err := s.List()
	if err != nil {
		return err
	}
	if len(jobs) >= s.max() {
		return fmt.Errorf("%w (%d jobs): core %s stays local", ErrFull, len(jobs), j.ID)
	}
	if j.Queued.IsZero() {
		j.Queued = time.Now().UTC()
	}
	return s.write(j)
}

func (s Spool) write(j Job) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	tmp := filepath.Join(s.Dir, ".tmp-"+j.ID+".job")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, s.path(j.ID)); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// List returns the queued jobs, oldest first.
func (s Spool) List() ([]Job, error) {
	des, err := os.ReadDir(s.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Job
	for _, de := range des {
		name := de.Name()
		if !strings.HasSuffix(name, ".job") || strings.HasPrefix(name, ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.Dir, name))
		if err != nil {
			continue
		}
		var j Job
		if json.Unmarshal(b, &j) != nil || j.ID+".job" != name {
			continue
		}
		out = append(out, j)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Queued.Before(out[b].Queued) })
	return out, nil
}

// Done removes a job.
func (s Spool) Done(id string) error {
	err := os.Remove(s.path(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// Stats summarises the queue for status.
type Stats struct {
	Queued   int       `json:"queued"`
	Failing  int       `json:"failing"` // jobs that failed at least once
	Oldest   time.Time `json:"oldest,omitempty"`
	LastErr  string    `json:"last_error,omitempty"`
	Capacity int       `json:"capacity"`
}

// Stats reads the queue.
func (s Spool) Stats() (Stats, error) {
	jobs, err := s.List()
	st := Stats{Queued: len(jobs), Capacity: s.max()}
	for _, j := range jobs {
		if st.Oldest.IsZero() || j.Queued.Before(st.Oldest) {
			st.Oldest = j.Queued
		}
		if j.Attempts > 0 {
			st.Failing++
			if j.LastErr != "" {
				st.LastErr = j.LastErr
			}
		}
	}
	return st, err
}

// Backoff is the wait after the n-th failed attempt: 2 s doubling to at
// most 10 minutes.
func Backoff(n int) time.Duration {
	d := 2 * time.Second
	for i := 1; i < n && d < 10*time.Minute; i++ {
		d *= 2
	}
	return min(d, 10*time.Minute)
}
