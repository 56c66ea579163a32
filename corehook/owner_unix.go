//go:build unix

package corehook

import (
	"fmt"
	"os"
	"syscall"
)

// checkOwner refuses a directory not owned by the user running corehook
// (root in production): anyone else could swap files under the handler.
func checkOwner(path string, fi os.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s is owned by uid %d, not by uid %d", path, st.Uid, os.Geteuid())
	}
	return nil
}

// fileOwner returns the uid owning fi.
func fileOwner(fi os.FileInfo) (uint32, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Uid, true
}
