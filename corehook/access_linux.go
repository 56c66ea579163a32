//go:build linux

package corehook

// Who may read a stored core: the crashing uid, only when nothing says the
// process held more privilege than that uid; otherwise root alone.

import (
	"fmt"
	"os"
)

// rootOnly decides whether the crash's core must stay root's, and why.
func rootOnly(c Crash, pi *procInfo, res *streamResult) (bool, string) {
	switch {
	case c.UID == 0:
		return true, "uid 0"
	case c.DumpMode != 1:
		return true, fmt.Sprintf("dump mode %d", c.DumpMode)
	case !pi.Verified:
		return true, "crasher not verified: " + pi.Why
	case pi.CredsChanged:
		return true, "real, effective, saved or fs ids differ"
	}
	if cc := res.Core; cc != nil {
		a := cc.Auxv
		if a.HaveSecure && a.Secure {
			return true, "AT_SECURE"
		}
		if a.HaveUIDs && (a.UID != a.EUID || a.GID != a.EGID || a.UID != uint64(c.UID)) {
			return true, "auxv ids differ"
		}
	} else {
		return true, "no notes to check AT_SECURE"
	}
	return false, ""
}

// setAccess makes f root-only (0600) or readable by the crashing uid alone
// (owned by it, mode 0400).
func setAccess(f *os.File, m *Meta) error {
	if m.RootOnly {
		return f.Chmod(0o600)
	}
	if err := f.Chown(int(m.UID), -1); err != nil {
		return err
	}
	return f.Chmod(0o400)
}
