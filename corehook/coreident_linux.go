//go:build linux

package corehook

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// openStoredCore opens m's core for reading only if it is still the file
// the handler committed: a regular file (never a symlink), with one link,
// owned by the store directory's owner, with the inode and size the sidecar
// recorded. Anything else was changed behind the store's back.
func openStoredCore(m *Meta) (*os.File, error) {
	f, err := os.OpenFile(m.CorePath, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	var st, dir syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, err
	}
	if err := syscall.Stat(filepath.Dir(m.CorePath), &dir); err != nil {
		f.Close()
		return nil, err
	}
	why := ""
	switch {
	case st.Mode&syscall.S_IFMT != syscall.S_IFREG:
		why = "not a regular file"
	case st.Nlink != 1:
		why = fmt.Sprintf("%d links", st.Nlink)
	case st.Uid != dir.Uid:
		why = fmt.Sprintf("owned by uid %d, the store by %d", st.Uid, dir.Uid)
	case m.CoreInode == 0:
		why = "the sidecar records no identity (stored by an older corehook)"
	case uint64(st.Ino) != m.CoreInode || st.Size != m.CoreFileSize || st.Ctim.Nano() != m.CoreCtimeNs:
		why = fmt.Sprintf("inode %d size %d ctime %d, the sidecar says inode %d size %d ctime %d", st.Ino, st.Size, st.Ctim.Nano(), m.CoreInode, m.CoreFileSize, m.CoreCtimeNs)
	}
	if why != "" {
		f.Close()
		return nil, fmt.Errorf("%s is not the core stored for %s: %s", m.CorePath, m.ID, why)
	}
	return f, nil
}

// freeCore empties a core that has other links before it is removed: the
// store never links cores, so another name only pins the space (a user's
// hardlink made to defeat gc) and removing ours alone would free nothing.
func freeCore(path string) {
	var st syscall.Stat_t
	if syscall.Lstat(path, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG && st.Nlink > 1 {
		os.Truncate(path, 0)
	}
}
