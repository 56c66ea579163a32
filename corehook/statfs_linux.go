//go:build linux

package corehook

import "syscall"

func statFS(dir string) (fsSpace, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return fsSpace{}, err
	}
	return fsSpace{Total: st.Blocks * uint64(st.Bsize), Free: st.Bavail * uint64(st.Bsize)}, nil
}
