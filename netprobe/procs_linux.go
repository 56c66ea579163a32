//go:build linux

package netprobe

import (
	"cmp"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// The walk is one readlink per descriptor of every process, the
	// biggest part of a scan: it runs on every core, each worker taking
	// the next process, and the matches are put in pid order afterwards.
	type match struct {
		sock int
		proc Process
	}
	var next atomic.Int64
	workers := runtime.GOMAXPROCS(0)
	found := make([][]match, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= len(names) {
					return
				}
				name := names[k]
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
						found[w] = append(found[w], match{i, Process{PID: pid, Command: command, FD: fd}})
					}
				}
			}
		})
	}
	wg.Wait()
	all := slices.Concat(found...)
	slices.SortFunc(all, func(a, b match) int {
		return cmp.Or(cmp.Compare(a.proc.PID, b.proc.PID), cmp.Compare(a.proc.FD, b.proc.FD))
	})
	for _, m := range all {
		socks[m.sock].Processes = append(socks[m.sock].Processes, m.proc)
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
