//go:build linux

package netprobe

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Scan lists the listening TCP and bound UDP sockets of the calling thread's
// network namespace (or, with AllNetns, of every namespace it can reach),
// with owner uids and processes, and analyzes them.
func Scan(opts ScanOptions) (*ScanResult, error) {
	res := &ScanResult{}
	var groups [][]Socket          // one per namespace
	var labels []string            // their labels ("" without AllNetns)
	nsInode := map[string]uint64{} // label → inode, for sk_lookup links
	// The descriptor walk needs nothing from the dumps: it runs beside
	// them.
	var procs <-chan procWalk
	if !opts.NoProcesses {
		procs = startProcWalk("/proc")
	}
	if opts.AllNetns {
		nss, err := listNetns("/proc", "/run/netns")
		if err != nil {
			return nil, err
		}
		for _, ns := range nss {
			socks, source, err := inNetnsAt(ns.path, func() ([]Socket, string, error) { return listSockets(opts) })
			if err != nil {
				res.Notes = append(res.Notes, fmt.Sprintf("%s: %v", ns.label, err))
				continue
			}
			for i := range socks {
				socks[i].Netns = ns.label
			}
			nsInode[ns.label] = ns.inode
			res.Source = source
			groups, labels = append(groups, socks), append(labels, ns.label)
		}
		if len(groups) == 0 {
			return nil, fmt.Errorf("no network namespace could be scanned: %s", strings.Join(res.Notes, "; "))
		}
	} else {
		socks, source, err := listSockets(opts)
		if err != nil {
			return nil, err
		}
		res.Source = source
		groups, labels = append(groups, socks), append(labels, "")
		var st unix.Stat_t
		if unix.Stat(selfNetns("/proc"), &st) == nil {
			nsInode[""] = st.Ino
		}
	}
	if !opts.NoProcesses {
		walk := <-procs
		if walk.err != nil {
			return nil, walk.err
		}
		if len(groups) == 1 {
			walk.fds.attach(groups[0])
		} else {
			// One walk of /proc for every namespace: socket inodes
			// are unique across the system.
			var all []Socket
			for _, g := range groups {
				all = append(all, g...)
			}
			walk.fds.attach(all)
			for i, n := 0, 0; i < len(groups); i++ {
				copy(groups[i], all[n:n+len(groups[i])])
				n += len(groups[i])
			}
		}
	}
	res.Sockets = []Socket{}
	res.Findings = []Finding{}
	steering, err := bpfSteering()
	if err != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("BPF programs that steer traffic (sk_lookup, SK_REUSEPORT) were not looked for: %v", err))
	}
	for gi, socks := range groups {
		label := labels[gi]
		// listSockets returned them sorted.
		if !opts.NoProcesses {
			if readDevices(socks) {
				sortSockets(socks)
				if !opts.AllNetns { // names are per namespace: only this thread's are at hand
					nameDevices(socks)
				}
			}
			readReuseOptions(socks)
			readV6Only(socks)
		}
		findings := analyzeSorted(socks)
		findings = append(findings, steeringFindings(steering, nsInode[label], findings)...)
		for i := range findings {
			findings[i].Netns = label
		}
		if len(groups) == 1 && socks != nil {
			res.Sockets = socks // no copy of a big host's list
		} else {
			res.Sockets = append(res.Sockets, socks...)
		}
		res.Findings = append(res.Findings, findings...)
	}
	return res, nil
}

// listSockets lists the calling thread's namespace's sockets, from
// sock_diag or the /proc/net tables, with device names.
func listSockets(opts ScanOptions) ([]Socket, string, error) {
	source := "sock_diag"
	var socks []Socket
	var err error
	if !opts.ProcNet {
		socks, err = diagSockets()
	}
	if opts.ProcNet || err != nil {
		// Without the inet_diag/udp_diag modules sock_diag fails; the
		// text tables still work, with less detail.
		source = "/proc/net"
		socks, err = procNetSockets("/proc/thread-self/net")
		if err != nil {
			return nil, "", err
		}
		sortSockets(socks)
	}
	nameDevices(socks)
	return socks, source, nil
}

// netnsRef is one network namespace: a path that opens it and its label.
type netnsRef struct {
	path, label string
	inode       uint64
}

// listNetns finds the distinct network namespaces behind procRoot's
// /proc/<pid>/ns/net links and the files under runNetns (ip netns), by
// inode. Named ones are labelled by name; the others by inode and one
// process in them.
func listNetns(procRoot, runNetns string) ([]netnsRef, error) {
	seen := map[uint64]int{}
	var out []netnsRef
	add := func(path, label string) {
		var st unix.Stat_t
		if err := unix.Stat(path, &st); err != nil {
			return // gone, or not ours to see
		}
		if i, ok := seen[st.Ino]; ok {
			if strings.HasPrefix(out[i].label, "net:[") && !strings.HasPrefix(label, "net:[") {
				out[i].label = label // a name beats a number
			}
			return
		}
		seen[st.Ino] = len(out)
		out = append(out, netnsRef{path: path, label: label, inode: st.Ino})
	}
	// The caller's own namespace first: it may be a thread's alone, which
	// no /proc/<pid>/ns/net shows.
	self := selfNetns(procRoot)
	if st := (unix.Stat_t{}); unix.Stat(self, &st) == nil {
		add(self, fmt.Sprintf("net:[%d] (this scan's)", st.Ino))
	}
	if names, err := os.ReadDir(runNetns); err == nil {
		for _, n := range names {
			add(filepath.Join(runNetns, n.Name()), n.Name())
		}
	}
	entries, err := os.ReadDir(procRoot)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		path := filepath.Join(procRoot, e.Name(), "ns", "net")
		var st unix.Stat_t
		if unix.Stat(path, &st) != nil {
			continue
		}
		label := fmt.Sprintf("net:[%d] (pid %d %s)", st.Ino, pid, readComm(filepath.Join(procRoot, e.Name(), "comm")))
		add(path, label)
	}
	slices.SortFunc(out, func(a, b netnsRef) int { return int(a.inode>>1) - int(b.inode>>1) })
	return out, nil
}

// selfNetns is the calling thread's namespace file, named by pid and tid
// because /proc/thread-self means whichever thread opens it.
func selfNetns(procRoot string) string {
	return filepath.Join(procRoot, strconv.Itoa(os.Getpid()), "task", strconv.Itoa(unix.Gettid()), "ns", "net")
}

// inNetnsAt runs fn on a fresh OS thread that has joined the namespace at
// path. The thread is never unlocked, so the runtime ends it afterwards
// instead of reusing it in the wrong namespace.
func inNetnsAt(path string, fn func() ([]Socket, string, error)) ([]Socket, string, error) {
	type result struct {
		socks  []Socket
		source string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		r := result{err: fmt.Errorf("namespace goroutine exited early")}
		defer func() { done <- r }()
		runtime.LockOSThread()
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			r.err = err
			return
		}
		err = unix.Setns(fd, unix.CLONE_NEWNET)
		unix.Close(fd)
		if err != nil {
			r.err = fmt.Errorf("setns: %w", err)
			return
		}
		r.socks, r.source, r.err = fn()
	}()
	r := <-done
	return r.socks, r.source, r.err
}

// steeringFindings turns the BPF programs into findings for one namespace:
// its sk_lookup links, and the loaded SK_REUSEPORT programs when the
// namespace has a SO_REUSEPORT group they could be steering (the kernel
// does not say which group a program is attached to, so every group here
// is named).
func steeringFindings(steering []Steering, netnsInode uint64, findings []Finding) []Finding {
	var out []Finding
	var groups []Socket
	for _, f := range findings {
		if f.Kind != KindShared {
			continue
		}
		for _, s := range f.Sockets {
			if s.ReusePort == nil || *s.ReusePort {
				groups = append(groups, f.Sockets...)
				break
			}
		}
	}
	for _, st := range steering {
		switch {
		case st.Kind == "sk_lookup" && st.NetnsInode == netnsInode:
			out = append(out, Finding{Kind: KindSteering, Proto: "any",
				Detail: fmt.Sprintf("an sk_lookup BPF program (%s) is attached to this network namespace: it can hand any port's connections and datagrams to any socket, whatever the binds", st)})
		case st.Kind == "sk_reuseport" && len(groups) > 0:
			out = append(out, Finding{Kind: KindSteering, Proto: "any", Sockets: groups,
				Detail: fmt.Sprintf("an SK_REUSEPORT BPF program (%s) is loaded: it may pick the member of one of these SO_REUSEPORT groups, whose traffic is then not hashed as their findings say", st)})
		}
	}
	return out
}
