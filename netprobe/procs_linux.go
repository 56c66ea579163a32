//go:build linux

package netprobe

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Scan fills Socket.Processes by matching /proc/<pid>/fd links of the form
// "socket:[INODE]", as ss -p, lsof and netstat -p do: walkProcs reads the
// links, procFDs.attach joins them to the sockets. Processes of other users
// are visible only to root; their sockets keep an empty list.

// procFDs are the socket descriptors of every process walkProcs could
// read, in pid order and, within a process, in descriptor order.
type procFDs struct {
	procRoot string
	fds      []procFD
}

type procFD struct {
	inode uint64
	pid   int32
	fd    int32
}

// startProcWalk runs walkProcs in the background: the walk needs nothing
// from the socket list, so Scan overlaps it with the sock_diag dumps.
func startProcWalk(procRoot string) <-chan procWalk {
	done := make(chan procWalk, 1)
	go func() {
		fds, err := walkProcs(procRoot)
		done <- procWalk{fds, err}
	}()
	return done
}

type procWalk struct {
	fds *procFDs
	err error
}

// walkProcs reads every process's descriptor table under procRoot and
// keeps the sockets. The walk is one readlink per descriptor of every
// process, the biggest part of a scan: it runs on every core, each worker
// taking the next process.
func walkProcs(procRoot string) (*procFDs, error) {
	dir, err := os.Open(procRoot)
	if err != nil {
		return nil, err
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, name := range names {
		if pid, err := strconv.Atoi(name); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	perProc := make([][]procFD, len(pids))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var w fdWalker
			for {
				k := int(next.Add(1)) - 1
				if k >= len(pids) {
					return
				}
				pid := pids[k]
				var got []procFD
				w.walk(procRoot+"/"+strconv.Itoa(pid)+"/fd", func(fd int, inode uint64) {
					got = append(got, procFD{inode: inode, pid: int32(pid), fd: int32(fd)})
				})
				// getdents lists a descriptor table in order; sort in
				// case a kernel does not.
				if !slices.IsSortedFunc(got, func(a, b procFD) int { return cmp.Compare(a.fd, b.fd) }) {
					slices.SortFunc(got, func(a, b procFD) int { return cmp.Compare(a.fd, b.fd) })
				}
				perProc[k] = got
			}
		})
	}
	wg.Wait()
	return &procFDs{procRoot: procRoot, fds: slices.Concat(perProc...)}, nil
}

// attach fills the Processes of socks from the walk, in pid and then
// descriptor order. All the lists share one backing array, each capped at
// its length, so a caller's append cannot run into its neighbour's.
func (p *procFDs) attach(socks []Socket) {
	// inode → the first socket with it; sameInode chains any further ones
	// (one socket listed twice), so the index costs no slice per socket.
	byInode := make(map[uint64]int32, len(socks))
	sameInode := make([]int32, len(socks))
	for i := range socks {
		sameInode[i] = -1
		inode := socks[i].Inode
		if inode == 0 {
			continue
		}
		if first, ok := byInode[inode]; ok {
			sameInode[i], sameInode[first] = sameInode[first], int32(i)
			continue
		}
		byInode[inode] = int32(i)
	}
	if len(byInode) == 0 {
		return
	}
	counts := make([]int32, len(socks))
	total := 0
	matched := make([]int32, 0, len(p.fds)) // the socket of each match, -1 for none
	for _, f := range p.fds {
		i, ok := byInode[f.inode]
		if !ok {
			matched = append(matched, -1)
			continue
		}
		matched = append(matched, i)
		for ; i >= 0; i = sameInode[i] {
			counts[i]++
			total++
		}
	}
	if total == 0 {
		return
	}
	backing := make([]Process, total)
	for i := range socks {
		if c := int(counts[i]); c > 0 {
			socks[i].Processes, backing = backing[:0:c], backing[c:]
		}
	}
	commands := map[int32]string{}
	for k, f := range p.fds {
		i := matched[k]
		if i < 0 {
			continue
		}
		command, ok := commands[f.pid]
		if !ok {
			command = readComm(p.procRoot + "/" + strconv.Itoa(int(f.pid)) + "/comm")
			commands[f.pid] = command
		}
		for ; i >= 0; i = sameInode[i] {
			socks[i].Processes = append(socks[i].Processes, Process{PID: int(f.pid), Command: command, FD: int(f.fd)})
		}
	}
}

// fdWalker reads a /proc/<pid>/fd directory with its own buffers, reused
// from process to process: a host with 50,000 sockets has 50,000 links to
// read, and os.ReadDir plus os.Readlink cost a path lookup from / and
// three allocations for each.
type fdWalker struct {
	dents [64 << 10]byte
	link  [64]byte
}

// walk calls fn with the number and socket inode of every descriptor in
// dir that is a socket. The links are read relative to the open directory
// (readlinkat), so the kernel resolves one name per descriptor instead of
// the whole /proc/<pid>/fd/<n> path. A process that exits or cannot be
// read ends its walk early.
func (w *fdWalker) walk(dir string, fn func(fd int, inode uint64)) {
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return // gone, or another user's process
	}
	defer unix.Close(dfd)
	const prefix = "socket:["
	for {
		n, err := unix.Getdents(dfd, w.dents[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return
		}
		for b := w.dents[:n]; len(b) >= 19; {
			// struct linux_dirent64: ino u64, off s64, reclen u16,
			// type u8, then the NUL-terminated name.
			reclen := int(binary.NativeEndian.Uint16(b[16:]))
			if reclen < 19 || reclen > len(b) {
				return
			}
			name := b[19:reclen] // NUL-terminated, padded
			b = b[reclen:]
			end := bytes.IndexByte(name, 0)
			if end <= 0 || name[0] == '.' {
				continue
			}
			fd, ok := atoiBytes(name[:end])
			if !ok {
				continue
			}
			// The name is NUL-terminated in place: no string to build.
			ln, _, errno := unix.Syscall6(unix.SYS_READLINKAT, uintptr(dfd), uintptr(unsafe.Pointer(&name[0])),
				uintptr(unsafe.Pointer(&w.link[0])), uintptr(len(w.link)), 0, 0)
			if errno != 0 || int(ln) <= len(prefix)+1 || int(ln) >= len(w.link) {
				continue
			}
			link := w.link[:ln]
			if string(link[:len(prefix)]) != prefix || link[len(link)-1] != ']' {
				continue
			}
			inode, ok := atoiBytes(link[len(prefix) : len(link)-1])
			if ok {
				fn(fd, uint64(inode))
			}
		}
	}
}

// atoiBytes parses a decimal number of at most 19 digits.
func atoiBytes(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func readComm(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
