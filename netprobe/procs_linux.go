//go:build linux

package netprobe

import (
	"os"
	"strconv"
	"strings"
)

// attachProcesses fills Socket.Processes by matching /proc/<pid>/fd links of
// the form "socket:[INODE]", as ss -p, lsof and netstat -p do. Processes of
// other users are visible only to root; their sockets keep an empty list.
func attachProcesses(procRoot string, socks []Socket) error {
	byInode := make(map[uint64][]int, len(socks))
	for i, s := range socks {
		if s.Inode != 0 {
			byInode[s.Inode] = append(byInode[s.Inode], i)
		}
	}
	if len(byInode) == 0 {
		return nil
	}
	dir, err := os.Open(procRoot)
	if err != nil {
		return err
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return err
	}
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		fdDir := procRoot + "/" + name + "/fd"
		d, err := os.Open(fdDir)
		if err != nil {
			continue // gone, or another user's process
		}
		fds, _ := d.Readdirnames(-1)
		d.Close()
		command := ""
		for _, fdName := range fds {
			link, err := os.Readlink(fdDir + "/" + fdName)
			if err != nil || !strings.HasPrefix(link, "socket:[") {
				continue
			}
			inode, err := strconv.ParseUint(link[len("socket:["):len(link)-1], 10, 64)
			if err != nil {
				continue
			}
			idx, ok := byInode[inode]
			if !ok {
				continue
			}
			if command == "" {
				command = readComm(procRoot + "/" + name + "/comm")
			}
			fd, _ := strconv.Atoi(fdName)
			for _, i := range idx {
				socks[i].Processes = append(socks[i].Processes, Process{PID: pid, Command: command, FD: fd})
			}
		}
	}
	return nil
}

func readComm(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
