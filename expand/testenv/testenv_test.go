package testenv

import (
	"runtime"
	"testing"
)

func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		ci, shells, root string
		wantShells       bool
		wantRoot         bool
	}{
		{"", "", "", false, false},
		{"true", "", "", true, true},
		{"", "1", "", true, false},
		{"", "", "1", false, true},
		// Only "1" requires: the copies this package replaced disagreed
		// on whether any non-empty value did.
		{"", "0", "yes", false, false},
		{"false", "", "", false, false},
	} {
		t.Setenv("CI", tc.ci)
		t.Setenv("QUIRK_REQUIRE_SHELLS", tc.shells)
		t.Setenv("QUIRK_REQUIRE_ROOT", tc.root)
		if got := Required(Shells); got != tc.wantShells {
			t.Errorf("%+v: Required(Shells) = %v", tc, got)
		}
		if got := Required(Root); got != tc.wantRoot {
			t.Errorf("%+v: Required(Root) = %v", tc, got)
		}
	}
}

// Unmet must skip when nothing is required and fail when something is; a
// subtest observes which, since both end the goroutine.
func TestUnmet(t *testing.T) {
	for _, required := range []bool{false, true} {
		v := ""
		if required {
			v = "1"
		}
		t.Setenv("CI", "")
		t.Setenv("QUIRK_REQUIRE_SHELLS", v)
		ft := &fakeT{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Unmet(ft, Shells, "no %s", "zsh")
		}()
		<-done
		if ft.failed != required || ft.skipped == required {
			t.Errorf("required=%v: failed=%v skipped=%v", required, ft.failed, ft.skipped)
		}
	}
}

// fakeT records Fatalf and Skipf; both end the calling goroutine like the
// real ones do.
type fakeT struct {
	testing.TB
	failed, skipped bool
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(string, ...any) {
	f.failed = true
	runtime.Goexit()
}
func (f *fakeT) Skipf(string, ...any) {
	f.skipped = true
	runtime.Goexit()
}
