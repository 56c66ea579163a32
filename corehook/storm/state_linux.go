//go:build linux && (amd64 || arm64)

package storm

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/quirkcheck/quirk/corehook/plock"
	"golang.org/x/sys/unix"
)

// The state file's layout. Everything after the header is reached from the
// mapping's base by offset.
const (
	magic       = "QKSTORM\x00"
	version     = 1
	fileSize    = 32 << 10
	offMutex    = 64   // the state lock (a glibc-compatible robust mutex)
	offSem      = 128  // the writer-slot semaphore, SemSize(Writers) ≤ 1088 bytes
	offBody     = 4096 // the journaled body
	offShadow   = 16384
	offAnnounce = 2048 // the announcement slots, written without the lock
	maxWriters  = 16

	dedupEntries = 128
	maxInflight  = 64
)

// header is the file's first 64 bytes. The magic is written last, so a file
// with the right magic was completely initialised.
type header struct {
	Magic     [8]byte
	Version   uint32
	Size      uint32
	BootID    [16]byte
	Writers   uint32
	Journal   uint32 // 1 while an update is in progress: the shadow holds the body before it
	BodyCRC   uint32 // CRC-32C of the body after the last update
	ShadowCRC uint32 // of the shadow, written with it
	_         uint32
	_         [12]byte
}

// LockOffset is the byte offset of the state lock in the file: a glibc
// robust pthread_mutex_t, so tools (and the end-to-end test) can see which
// thread holds it.
const LockOffset = offMutex

type dedupEntry struct {
	Sig   [16]byte
	Start int64  // window start, unix ns
	Seen  int64  // last seen, unix ns (eviction order)
	InWin uint32 // crashes in the current window
	_     uint32
	Total uint64
}

type inflightEntry struct {
	PID      int32 // the handler; 0: free entry
	UID      uint32
	Start    uint64 // the handler's start time (/proc/<pid>/stat field 22), against PID reuse
	Since    int64
	CrashPID int32
	_        int32
	Comm     [16]byte
}

// announcement is how a handler makes its crash known before it takes the
// lock: it claims a free slot with a CAS on Claim, writes the entry and a new
// Gen, then sets State. Under the lock, an announcement whose Gen differs
// from the body's AnnSeen for that slot is unprocessed: its own Admit
// records it, or, if its handler died first, the next Admit counts it as
// received and dropped. Setting AnnSeen is part of the journaled update, so
// a rolled-back update leaves the announcement unprocessed, and a slot left
// behind after processing is ignored.
type announcement struct {
	Claim int32 // the claiming handler's PID; 0: free
	State uint32
	Gen   uint32
	_     uint32
	E     inflightEntry
}

const announceSlots = 32

type body struct {
	C        Counters
	Tokens   float64 // the bucket's level
	Last     int64   // last refill, unix ns
	Dedup    [dedupEntries]dedupEntry
	Inflight [maxInflight]inflightEntry
	AnnSeen  [announceSlots]uint32 // the last processed Gen of each announcement slot
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// State is one handler's view of the shared state file. It pins the calling
// goroutine to its thread (plock.Locker) until Close; use it from that
// goroutine only.
type State struct {
	cfg      Config
	mem      []byte
	hdr      *header
	body     *body
	mu       *plock.Mutex
	sem      *plock.Sem
	l        *plock.Locker
	log      func(string)
	ann      *[announceSlots]announcement
	admitted bool
	self     inflightEntry // this handler's in-flight record (PID 0 if the table was full)
	slot     int           // the writer slot held, or -1
}

// Open maps the state file, creating it when missing and rebuilding it when
// it cannot be trusted; log receives one line per rebuild or repair.
func Open(cfg Config, log func(string)) (*State, error) {
	if cfg.Path == "" {
		return nil, errors.New("storm: no state file configured")
	}
	if log == nil {
		log = func(string) {}
	}
	cfg.Writers = min(max(cfg.Writers, 1), maxWriters)
	boot, err := bootID()
	if err != nil {
		return nil, err
	}
	mem, why, err := mapTrusted(cfg.Path, boot)
	if err != nil {
		return nil, err
	}
	if mem == nil {
		mem, err = rebuild(cfg, boot, why, log)
		if err != nil {
			return nil, err
		}
	}
	s := &State{cfg: cfg, mem: mem, log: log, slot: -1}
	s.hdr = (*header)(unsafe.Pointer(unsafe.SliceData(mem)))
	s.body = (*body)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(mem)), offBody))
	s.mu = plock.At(mem, offMutex)
	s.ann = (*[announceSlots]announcement)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(mem)), offAnnounce))
	if s.sem, err = plock.SemAt(mem, offSem); err != nil {
		unix.Munmap(mem)
		return nil, err
	}
	if s.l, err = plock.NewLocker(); err != nil {
		unix.Munmap(mem)
		return nil, err
	}
	return s, nil
}

// Close releases a writer slot still held and unmaps the file.
func (s *State) Close() error {
	if s.slot >= 0 {
		s.l.Release(s.sem, s.slot)
		s.slot = -1
	}
	err := s.l.Close()
	return errors.Join(err, unix.Munmap(s.mem))
}

// bootID is this boot's random id: a state file from another boot holds
// TIDs that mean nothing now.
func bootID() ([16]byte, error) {
	var id [16]byte
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return id, fmt.Errorf("storm: boot id: %w", err)
	}
	h, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(string(b)), "-", ""))
	if err != nil || len(h) != 16 {
		return id, fmt.Errorf("storm: boot id %q", b)
	}
	copy(id[:], h)
	return id, nil
}

// mapTrusted maps path if it is a state file this boot's handlers made: a
// regular file (not a symlink) of ours, mode 0600, one link, the right size,
// magic, version and boot id. Otherwise it returns nil and why.
func mapTrusted(path string, boot [16]byte) ([]byte, string, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, "missing", nil
		}
		return nil, "open: " + err.Error(), nil
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, "", err
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return nil, "not a regular file", nil
	case st.Uid != uint32(os.Geteuid()) || st.Mode&0o7777 != 0o600:
		return nil, fmt.Sprintf("owner %d mode %#o, want %d 0600", st.Uid, st.Mode&0o7777, os.Geteuid()), nil
	case st.Nlink != 1:
		return nil, fmt.Sprintf("%d links", st.Nlink), nil
	case st.Size != fileSize:
		return nil, fmt.Sprintf("size %d, want %d", st.Size, fileSize), nil
	}
	mem, err := unix.Mmap(fd, 0, fileSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, "", fmt.Errorf("storm: map %s: %w", path, err)
	}
	h := (*header)(unsafe.Pointer(unsafe.SliceData(mem)))
	why := ""
	switch {
	case string(h.Magic[:]) != magic:
		why = "bad magic"
	case h.Version != version || h.Size != fileSize:
		why = fmt.Sprintf("version %d size %d", h.Version, h.Size)
	case h.BootID != boot:
		why = "from another boot"
	case h.Writers < 1 || h.Writers > maxWriters:
		why = fmt.Sprintf("%d writer slots", h.Writers)
	}
	if why == "" {
		if sem, err := plock.SemAt(mem, offSem); err != nil {
			why = err.Error()
		} else if sem.K() != int(h.Writers) {
			why = "writer slots disagree"
		}
	}
	if why != "" {
		unix.Munmap(mem)
		return nil, why, nil
	}
	return mem, "", nil
}

// rebuild creates a fresh state file beside path and renames it over path.
// Creation is serialised by flock on the directory, and the file is checked
// again under it: of several handlers finding it bad, one rebuilds and the
// others use its file.
func rebuild(cfg Config, boot [16]byte, why string, log func(string)) ([]byte, error) {
	dir := filepath.Dir(cfg.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("storm: %w", err)
	}
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("storm: %w", err)
	}
	defer unix.Close(dfd)
	var st unix.Stat_t
	if err := unix.Fstat(dfd, &st); err != nil {
		return nil, err
	}
	if st.Uid != uint32(os.Geteuid()) || st.Mode&0o022 != 0 {
		return nil, fmt.Errorf("storm: %s is owned by %d with mode %#o: others could replace the state", dir, st.Uid, st.Mode&0o7777)
	}
	if err := unix.Flock(dfd, unix.LOCK_EX); err != nil {
		return nil, fmt.Errorf("storm: flock %s: %w", dir, err)
	}
	defer unix.Flock(dfd, unix.LOCK_UN)
	mem, why2, err := mapTrusted(cfg.Path, boot)
	if err != nil || mem != nil {
		return mem, err
	}
	name := filepath.Base(cfg.Path)
	tmp := fmt.Sprintf(".%s.%d", name, os.Getpid())
	fd, err := unix.Openat(dfd, tmp, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("storm: create %s: %w", tmp, err)
	}
	defer unix.Close(fd)
	fail := func(err error) ([]byte, error) {
		unix.Unlinkat(dfd, tmp, 0)
		return nil, fmt.Errorf("storm: %w", err)
	}
	if err := unix.Fchmod(fd, 0o600); err != nil {
		return fail(err)
	}
	if err := unix.Ftruncate(fd, fileSize); err != nil {
		return fail(err)
	}
	mem, err = unix.Mmap(fd, 0, fileSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fail(err)
	}
	h := (*header)(unsafe.Pointer(unsafe.SliceData(mem)))
	h.Version, h.Size, h.BootID, h.Writers = version, fileSize, boot, uint32(cfg.Writers)
	plock.Init(plock.At(mem, offMutex))
	plock.InitSem(mem, offSem, cfg.Writers)
	b := (*body)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(mem)), offBody))
	b.Tokens, b.Last = float64(cfg.Burst), time.Now().UnixNano()
	if why2 != "missing" {
		b.C.Rebuilt = 1
	}
	h.BodyCRC = crc32.Checksum(bodyBytes(mem), crcTable)
	copy(h.Magic[:], magic) // last: a file with the magic is complete
	if err := unix.Renameat(dfd, tmp, dfd, name); err != nil {
		unix.Munmap(mem)
		return fail(err)
	}
	if why2 != "missing" {
		log(fmt.Sprintf("storm: state file %s rebuilt, the old one was not trusted: %s", cfg.Path, why2))
	}
	return mem, nil
}

func bodyBytes(mem []byte) []byte   { return mem[offBody : offBody+int(unsafe.Sizeof(body{}))] }
func shadowBytes(mem []byte) []byte { return mem[offShadow : offShadow+int(unsafe.Sizeof(body{}))] }

// lock takes the state lock, repairing what a dead owner left.
func (s *State) lock() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.LockWait)
	defer cancel()
	err := s.l.Lock(ctx, s.mu)
	switch {
	case errors.Is(err, plock.ErrOwnerDead):
		s.repair()
		if err := s.l.Consistent(s.mu); err != nil {
			s.l.Unlock(s.mu)
			return err
		}
	case err != nil:
		return fmt.Errorf("storm: state lock: %w", err)
	}
	if crc32.Checksum(bodyBytes(s.mem), crcTable) != atomic.LoadUint32(&s.hdr.BodyCRC) {
		// Not our protocol's doing: somebody wrote the file. Start the body over.
		*s.body = body{Tokens: float64(s.cfg.Burst), Last: time.Now().UnixNano()}
		s.body.C.Rebuilt = 1
		s.hdr.BodyCRC = crc32.Checksum(bodyBytes(s.mem), crcTable)
		s.log("storm: state body failed its checksum; counters reset")
	}
	return nil
}

// repair runs with the lock just taken from a dead owner: a journaled update
// it left half done is rolled back from the shadow. A crash it was admitting
// is still announced, so the next Admit counts it.
func (s *State) repair() {
	if atomic.LoadUint32(&s.hdr.Journal) == 1 {
		if crc32.Checksum(shadowBytes(s.mem), crcTable) == s.hdr.ShadowCRC {
			copy(bodyBytes(s.mem), shadowBytes(s.mem))
			s.hdr.BodyCRC = s.hdr.ShadowCRC
		}
		atomic.StoreUint32(&s.hdr.Journal, 0)
		s.log("storm: a handler died updating the state; its update was rolled back")
	}
	s.update(func(b *body) { b.C.Repairs++ })
}

func reapedOf(e inflightEntry) Reaped {
	return Reaped{HandlerPID: int(e.PID), CrashPID: int(e.CrashPID), UID: e.UID,
		Comm: string(bytes.TrimRight(e.Comm[:], "\x00")), Since: time.Unix(0, e.Since)}
}

// announce claims a free announcement slot for self, without the lock.
// It returns the slot, or -1 when all are taken (the crash is then only
// recorded by Admit's update).
func (s *State) announce(self inflightEntry) int {
	for i := range s.ann {
		a := &s.ann[i]
		if !atomic.CompareAndSwapInt32(&a.Claim, 0, self.PID) {
			continue
		}
		a.E = self
		atomic.StoreUint32(&a.Gen, atomic.LoadUint32(&a.Gen)+1)
		atomic.StoreUint32(&a.State, 1)
		return i
	}
	return -1
}

// unannounce frees slot i after its announcement was processed.
func (s *State) unannounce(i int) {
	if i < 0 {
		return
	}
	atomic.StoreUint32(&s.ann[i].State, 0)
	atomic.StoreInt32(&s.ann[i].Claim, 0)
}

// processAnnouncements, inside Admit's update: announcements whose handler
// died before its Admit recorded them are counted as received and dropped;
// slots of dead claimants already processed (or never completed) are freed.
// mine is the caller's own slot, recorded by the caller.
func (s *State) processAnnouncements(b *body, mine int) []Reaped {
	var out []Reaped
	for i := range s.ann {
		a := &s.ann[i]
		claim := atomic.LoadInt32(&a.Claim)
		if i == mine || claim == 0 {
			continue
		}
		announced := atomic.LoadUint32(&a.State) == 1
		gen := atomic.LoadUint32(&a.Gen)
		if announced && gen != b.AnnSeen[i] {
			if alive(int(a.E.PID), a.E.Start) {
				continue // it will admit itself
			}
			b.AnnSeen[i] = gen
			b.C.Received++
			b.C.Dropped++
			b.C.HandlerDied++
			r := reapedOf(a.E)
			out = append(out, r)
			s.log(fmt.Sprintf("storm: pid %d (%s) uid %d: dropped, its handler %d died admitting it", r.CrashPID, r.Comm, r.UID, r.HandlerPID))
			continue // freed by a later Admit, once this update is committed
		}
		// Processed before this update began (or never announced): free it
		// once its claimant is gone. Freeing is not journaled, and need not be.
		if !alive(int(claim), 0) {
			s.unannounce(i)
		}
	}
	return out
}

// update changes the body under the journal: shadow first, then the flag,
// then the change, then the checksum, then the flag cleared. A death
// anywhere in between leaves either the old body or the new one.
func (s *State) update(fn func(*body)) {
	copy(shadowBytes(s.mem), bodyBytes(s.mem))
	s.hdr.ShadowCRC = s.hdr.BodyCRC
	atomic.StoreUint32(&s.hdr.Journal, 1)
	fn(s.body)
	testHookInUpdate()
	s.hdr.BodyCRC = crc32.Checksum(bodyBytes(s.mem), crcTable)
	atomic.StoreUint32(&s.hdr.Journal, 0)
}

// testHookInUpdate lets the tests kill a process in the middle of an update.
var testHookInUpdate = func() {}

// Crash identifies one crash to Admit.
type Crash struct {
	PID  int
	UID  uint32
	Comm string
	Sig  [16]byte // signature: a hash of executable, signal and faulting frame
}

// Admit counts the crash as received and decides whether its full core is
// written. A full decision holds a writer slot until Done. The reaped list
// holds crashes of handlers that died before Done, counted as dropped now.
func (s *State) Admit(c Crash) (d Decision, reaped []Reaped, err error) {
	if s.admitted {
		return d, nil, errors.New("storm: Admit twice")
	}
	self := inflightEntry{PID: int32(os.Getpid()), UID: c.UID, Start: startTime(os.Getpid()), Since: time.Now().UnixNano(), CrashPID: int32(c.PID)}
	copy(self.Comm[:], c.Comm)
	ann := s.announce(self)
	if err := s.lock(); err != nil {
		s.unannounce(ann)
		return d, nil, err
	}
	now := time.Now()
	s.update(func(b *body) {
		reaped = append(s.processAnnouncements(b, ann), s.reap(b)...)
		if ann >= 0 {
			b.AnnSeen[ann] = atomic.LoadUint32(&s.ann[ann].Gen)
		}
		b.C.Received++
		for i := range b.Inflight {
			if b.Inflight[i].PID == 0 {
				b.Inflight[i] = self
				s.self = self
				break
			}
		}
		d = s.decide(b, c.Sig, now)
	})
	s.unannounce(ann)
	s.admitted = true
	s.l.Unlock(s.mu)
	if !d.Full {
		return d, reaped, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.SlotWait)
	defer cancel()
	slot, err := s.l.Acquire(ctx, s.sem)
	switch {
	case errors.Is(err, plock.ErrOwnerDead):
		// The slot guards no data of its own; the dead writer is accounted by reap.
		s.l.Consistent(s.sem.Slot(slot))
		s.counted(func(b *body) { b.C.Repairs++ })
		err = nil
	case err != nil:
		d = Decision{Reason: "no writer slot"}
		s.counted(func(b *body) { b.C.NoSlot++ })
		return d, reaped, nil
	}
	s.slot = slot
	return d, reaped, err
}

// decide applies dedup, then the token bucket.
func (s *State) decide(b *body, sig [16]byte, now time.Time) Decision {
	ns := now.UnixNano()
	if s.cfg.DedupKeep > 0 {
		e := findDedup(b, sig)
		if e.Sig != sig || (s.cfg.DedupWindow > 0 && ns-e.Start > int64(s.cfg.DedupWindow)) {
			if e.Sig != sig {
				*e = dedupEntry{Sig: sig}
			}
			e.Start, e.InWin = ns, 0
		}
		e.Seen = ns
		e.InWin++
		e.Total++
		if int(e.InWin) > s.cfg.DedupKeep {
			b.C.Deduplicated++
			return Decision{Reason: "deduplicated"}
		}
	}
	if s.cfg.Burst > 0 {
		if elapsed := ns - b.Last; elapsed > 0 {
			b.Tokens = math.Min(float64(s.cfg.Burst), b.Tokens+s.cfg.Rate*float64(elapsed)/1e9)
		}
		b.Last = ns
		if b.Tokens < 1 {
			b.C.RateLimited++
			return Decision{Reason: "rate-limited"}
		}
		b.Tokens--
	}
	return Decision{Full: true}
}

// findDedup returns sig's entry, or the least recently seen one to reuse.
func findDedup(b *body, sig [16]byte) *dedupEntry {
	victim := &b.Dedup[0]
	for i := range b.Dedup {
		e := &b.Dedup[i]
		if e.Sig == sig {
			return e
		}
		if e.Seen < victim.Seen {
			victim = e
		}
	}
	return victim
}

// reap frees the in-flight entries of handlers that are gone (no such
// process, or another process under the PID) and counts their crashes as
// dropped.
func (s *State) reap(b *body) []Reaped {
	var out []Reaped
	for i := range b.Inflight {
		e := &b.Inflight[i]
		if e.PID == 0 || alive(int(e.PID), e.Start) {
			continue
		}
		r := reapedOf(*e)
		out = append(out, r)
		s.log(fmt.Sprintf("storm: pid %d (%s) uid %d: dropped, its handler %d died", r.CrashPID, r.Comm, r.UID, r.HandlerPID))
		*e = inflightEntry{}
		b.C.Dropped++
		b.C.HandlerDied++
	}
	return out
}

// TakeReaped is kept for callers that log after Done: dead handlers' crashes
// are all returned by Admit now.
func (s *State) TakeReaped() []Reaped { return nil }

// Done records how the admitted crash ended and gives the writer slot back.
func (s *State) Done(o Outcome) error {
	if s.slot >= 0 {
		s.l.Release(s.sem, s.slot)
		s.slot = -1
	}
	if !s.admitted {
		return errors.New("storm: Done without Admit")
	}
	s.admitted = false
	return s.counted(func(b *body) {
		for i := range b.Inflight {
			if s.self.PID != 0 && b.Inflight[i] == s.self {
				b.Inflight[i] = inflightEntry{}
			}
		}
		switch o {
		case Stored:
			b.C.Stored++
		case MetadataOnly:
			b.C.MetadataOnly++
		default:
			b.C.Dropped++
		}
		s.self = inflightEntry{}
	})
}

// counted runs fn as one update under the lock.
func (s *State) counted(fn func(*body)) error {
	if err := s.lock(); err != nil {
		return err
	}
	s.update(fn)
	return s.l.Unlock(s.mu)
}

// Locked runs fn under the state lock: the store's quota decisions
// (eviction, free space) go here so that two handlers never take them at once.
func (s *State) Locked(fn func() error) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.l.Unlock(s.mu)
	return fn()
}

// Counters returns the totals, read under the lock.
func (s *State) Counters() (Counters, error) {
	if err := s.lock(); err != nil {
		return Counters{}, err
	}
	c := s.body.C
	for _, e := range s.body.Inflight {
		if e.PID != 0 {
			c.InFlight++
		}
	}
	return c, s.l.Unlock(s.mu)
}

// startTime is field 22 of /proc/<pid>/stat (clock ticks since boot), 0 if
// the process is gone.
func startTime(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0
	}
	n, _ := strconv.ParseUint(f[19], 10, 64)
	return n
}

// alive reports whether pid is still the process that started at start (any
// process, for start 0). A zombie has finished handling: it counts as gone.
func alive(pid int, start uint64) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) || b[i+2] == 'Z' || b[i+2] == 'X' {
		return false
	}
	return start == 0 || startTime(pid) == start
}
