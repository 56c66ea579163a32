//go:build linux

package corehook

// Who may read a stored core. Cores and sidecars are always root's (mode
// 0600): a user who owned their core could hardlink it past gc, grow it
// behind the sidecar's back, or replace it with a file root's dump and
// debug then open. When nothing says the process held more privilege than
// the crashing uid, that uid alone gets read access through a POSIX ACL
// entry (user:UID:r--), which it cannot turn into write, link (with
// fs.protected_hardlinks) or replace (the store directory is root's).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// rootOnly decides whether the crash's core must stay root's, and why. The
// kernel's %u, %g and %d and the core's own NT_AUXV cannot be raced; /proc
// can, so a refuted /proc makes the core root-only, and ids that /proc says
// differ do too (being careful costs nothing there).
func rootOnly(c Crash, pi *procInfo, res *streamResult) (bool, string) {
	switch {
	case c.UID == 0:
		return true, "uid 0"
	case c.DumpMode != 1:
		return true, fmt.Sprintf("dump mode %d", c.DumpMode)
	case pi.Refuted:
		return true, "crasher not verified: " + pi.Why
	case pi.CredsChanged:
		return true, "real, effective, saved or fs ids differ"
	}
	cc := res.Core
	if cc == nil {
		return true, "no notes to check AT_SECURE"
	}
	a := cc.Auxv
	if a.HaveSecure && a.Secure {
		return true, "AT_SECURE"
	}
	if a.HaveUIDs {
		if a.UID != a.EUID || a.GID != a.EGID {
			return true, "auxv ids differ"
		}
		// The auxv holds the ids as the crasher's user namespace sees
		// them (a rootless container's root is 0 there); %u is the
		// initial namespace's. Map through uid_map only when /proc is
		// verified: an impostor could offer a map that makes them agree.
		uid, gid := a.UID, a.GID
		if pi.Verified {
			uid, _ = toHost(pi.uidMap, uid)
			gid, _ = toHost(pi.gidMap, gid)
		}
		if uid != uint64(c.UID) || gid != uint64(c.GID) {
			return true, "auxv ids differ from %u/%g"
		}
	}
	return false, ""
}

// POSIX ACL xattr layout (linux/posix_acl_xattr.h): a version, then
// entries of tag, permissions and id, sorted by tag and id.
const (
	aclXattr     = "system.posix_acl_access"
	aclVersion   = 2
	aclUserObj   = 0x01
	aclUser      = 0x02
	aclGroupObj  = 0x04
	aclMask      = 0x10
	aclOther     = 0x20
	aclRead      = 4
	aclWrite     = 2
	aclUndefined = 0xffffffff
)

// userReadACL is the ACL "u::rw-,u:UID:r--,g::---,m::r--,o::---".
func userReadACL(uid uint32) []byte {
	entries := []struct {
		tag, perm uint16
		id        uint32
	}{
		{aclUserObj, aclRead | aclWrite, aclUndefined},
		{aclUser, aclRead, uid},
		{aclGroupObj, 0, aclUndefined},
		{aclMask, aclRead, aclUndefined},
		{aclOther, 0, aclUndefined},
	}
	b := binary.LittleEndian.AppendUint32(nil, aclVersion)
	for _, e := range entries {
		b = binary.LittleEndian.AppendUint16(b, e.tag)
		b = binary.LittleEndian.AppendUint16(b, e.perm)
		b = binary.LittleEndian.AppendUint32(b, e.id)
	}
	return b
}

// errNoACL says the user's ACL could not be set: the file system has no
// POSIX ACLs, or no room left for one. The file then stays root's alone.
var errNoACL = errors.New("no ACL for the crashing user")

// grantRead makes f root's, mode 0600, and, when uid is given, readable by
// uid through an ACL entry.
func grantRead(f *os.File, uid *uint32) error {
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if uid == nil {
		return nil
	}
	if err := unix.Fsetxattr(int(f.Fd()), aclXattr, userReadACL(*uid), 0); err != nil {
		return fmt.Errorf("%w (%v)", errNoACL, err)
	}
	return nil
}

// setAccess applies m's decision to the core's file. Where ACLs are not
// supported the core stays root's, and the sidecar says why.
func setAccess(f *os.File, m *Meta) error {
	if m.RootOnly {
		return grantRead(f, nil)
	}
	err := grantRead(f, &m.UID)
	if errors.Is(err, errNoACL) {
		m.RootOnly, m.RootOnlyWhy = true, err.Error()
		return grantRead(f, nil)
	}
	return err
}
