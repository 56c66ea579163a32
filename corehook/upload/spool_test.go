package upload

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestSpoolBoundAndOrder(t *testing.T) {
	s := Spool{Dir: filepath.Join(t.TempDir(), "spool"), Max: 3}
	base := time.Unix(1000, 0).UTC()
	for i, id := range []string{"c", "a", "b"} {
		if err := s.Add(Job{ID: id, Sidecar: "/x", Queued: base.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Add(Job{ID: "d", Sidecar: "/x"}); !errors.Is(err, ErrFull) {
		t.Fatalf("fourth job: %v, want ErrFull", err)
	}
	jobs, _ := s.List()
	if len(jobs) != 3 || jobs[0].ID != "c" || jobs[2].ID != "b" {
		t.Fatalf("jobs %+v", jobs)
	}
	for _, bad := range []string{"", "../x", ".hidden", "a/b"} {
		if err := s.Add(Job{ID: bad}); err == nil || errors.Is(err, ErrFull) {
			t.Errorf("id %q: %v", bad, err)
		}
	}
	s.Done("c")
	if st, _ := s.Stats(); st.Queued != 2 || st.Capacity != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestBackoff(t *testing.T) {
	if Backoff(1) != 2*time.Second || Backoff(3) != 8*time.Second || Backoff(40) != 10*time.Minute {
		t.Errorf("backoff %v %v %v", Backoff(1), Backoff(3), Backoff(40))
	}
}

// Keys never leave the job's directory, whatever the crasher-influenced
// host name or a forged id says.
func TestKeys(t *testing.T) {
	tg, err := ParseTarget("s3://cores/fleet/a")
	if err != nil || tg.Bucket != "cores" || tg.Prefix != "fleet/a" {
		t.Fatalf("%+v %v", tg, err)
	}
	c, m := tg.Keys(Job{ID: "abc", Host: "../../etc", BootID: "b/1"})
	if c != "fleet/a/.._.._etc/b_1/abc/core.zst" || m != "fleet/a/.._.._etc/b_1/abc/meta.json" {
		t.Errorf("keys %q %q", c, m)
	}
	if _, err := ParseTarget("http://x/y"); err == nil {
		t.Error("a non-s3 URL was accepted")
	}
}
