//go:build linux

package corehook

// Submitting one crash (systemd: coredump-submit.c). Handle runs the phases
// in the order the crash's data arrives: configuration, the crasher's
// context from /proc (before the stream ends and the crasher may be
// reaped), the core's output in the store, one streaming pass (feeding the
// compat copy beside it), what the stream said, the store, and vacuum.

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"
)

// HandleEnv is what the handler takes from its surroundings; tests point
// ProcRoot at a fake tree.
type HandleEnv struct {
	ProcRoot string
	// Release is called once the core was read to its end or abandoned:
	// the real handler closes fd 0 there so the crasher can finish.
	Release func()
	// Pidfd is the pidfd the kernel installed (fd 3 with %F), or nil.
	Pidfd *os.File
	Now   func() time.Time
	// OneCrash says the process exists for this crash alone (the pipe
	// handler, not the socket server): Handle may tune the Go runtime for it.
	OneCrash bool
}

// Handle stores one core read from core. It always calls env.Release.
// It returns the sidecar it wrote (nil only if not even the crash's
// metadata could be gathered) and the configuration it used (for logging).
// Every crash leaves a record: a stored core with its sidecar, a sidecar
// saying why the core was dropped, or, when the store takes nothing at all,
// a line in dropped.log and the log.
func Handle(env HandleEnv, ha HandleArgs, core io.Reader) (*Meta, Config, error) {
	start := time.Now()
	if env.Now != nil {
		start = env.Now()
	}
	if env.ProcRoot == "" {
		env.ProcRoot = "/proc"
	}
	release := env.Release
	if release == nil {
		release = func() {}
	}
	cfg, cfgErr := handlerConfig(ha)
	if env.OneCrash && !streamsZstd(cfg) {
		oneThread()
	}
	store := OpenStore(cfg.Store)

	// Metadata first: once the stream is drained and stdin closed, the
	// crasher may be reaped.
	pi := readProc(env, ha.Crash.GlobalPID)
	if pi.dir != nil {
		defer pi.dir.Close()
	}
	m := newMeta(env, ha, pi, cfgErr, start)

	// Room for the record before any for the core: the sidecar's space is
	// reserved, then the core may take what the quota allows.
	var rsv *pendingFile
	storeErr := store.Ensure()
	if storeErr == nil {
		rsv, storeErr = store.reserve(sidecarName(m.ID), sidecarMax)
	}
	// Storm control decides full core or metadata only, and counts the
	// crash whatever happens below.
	ticket := admitStorm(store, cfg, ha.Crash, pi, m)
	sidecarWritten := false
	defer func() { ticket.done(m, sidecarWritten) }()
	var adm *admission
	out := &coreOutput{}
	if storeErr != nil {
		storeErr = fmt.Errorf("store: %w", storeErr)
		m.Dropped = storeErr.Error()
	} else {
		defer rsv.abort()
		adm = store.admit(cfg)
		adm.serialize = ticket.locked // evictions under the state lock
		var err error
		if out, err = openCore(store, cfg, ha.Crash, m, adm); err != nil {
			m.Dropped = "store: " + err.Error()
			storeErr = err
			out = &coreOutput{}
		}
	}
	defer out.abort()
	out.lim.DropAbove, out.lim.DiskAbove = cfg.ProcessSizeMax.Of(0), cfg.ExternalSizeMax.Of(0)
	budget(&out.lim, cfg, start)

	// The admin's previous pattern, kept working if the config asks.
	var tees []*teeTarget
	var finishPrev func(*streamResult) string
	if cfg.KeepPrevious {
		tees, finishPrev = previousTarget(env, store, ha.Crash, pi, Sysctl{ProcRoot: env.ProcRoot}, out.lim.Deadline)
	}
	res := streamCore(core, out.sink, tees, out.lim, release)
	if finishPrev != nil {
		m.Previous = finishPrev(res)
	}
	recordStream(m, res)
	m.RootOnly, m.RootOnlyWhy = rootOnly(ha.Crash, pi, res)

	var errs []error
	if storeErr != nil {
		errs = append(errs, storeErr)
	}
	if rsv != nil {
		coreErr, sidecarErr := submit(store, cfg, m, out, res, start, rsv)
		out.abort() // a dropped core's bytes are freed before vacuum looks
		errs = append(errs, coreErr)
		if sidecarErr != nil {
			errs = append(errs, fmt.Errorf("sidecar: %w", sidecarErr))
			rsv = nil
		}
		errs = append(errs, adm.finish())
		sidecarWritten = rsv != nil
	}
	if rsv == nil {
		// No sidecar: dropped.log is the record, if the store takes it.
		if err := store.appendDropLog([]DropRecord{dropRecord(m)}); err != nil {
			errs = append(errs, fmt.Errorf("dropped.log: %w", err))
		}
	} else {
		if cfg.CompressAfter && m.CorePath != "" && m.Compression == "none" {
			// The crasher is gone and the raw core is on record: a
			// failure here (or a kill) leaves exactly that.
			if err := compressStored(store, cfg, m); err != nil {
				errs = append(errs, fmt.Errorf("compress after release: %w", err))
			}
		}
		if err := queueUpload(store, cfg, m); err != nil {
			errs = append(errs, fmt.Errorf("upload queue: %w", err))
		}
		if err := ticket.locked(func() error { return vacuum(store, cfg) }); err != nil {
			errs = append(errs, err)
		}
	}
	if cfgErr != nil {
		errs = append(errs, fmt.Errorf("config (defaults used): %w", cfgErr))
	}
	return m, cfg, errors.Join(errs...)
}

// streamsZstd says the core is compressed while the crasher waits.
func streamsZstd(cfg Config) bool { return cfg.Compress && !cfg.CompressAfter }

// oneThread lets one thread run Go code. The crasher is held until the
// last byte is read, and what bounds that is the crasher's own kernel
// thread writing the core into the pipe: a C program that only drains the
// pipe holds it about 0.7x the kernel's own file write (bench/corehook.sh).
// With a P per CPU, the reader and writer goroutines and the runtime's
// idle threads (18,000 netpoll waits on a 512 MiB core, perf) took CPU
// from that thread on a 2-CPU machine. With one P, Compress = no held the
// crasher 0.77x the kernel's file write against 0.88x (median of ten
// paired rounds, two runs of bench/corehook.sh 512 5 on each build).
// Streaming zstd keeps its P per CPU: the encoder is its bottleneck, and
// one P made it 3.4x against 2.7x.
func oneThread() { runtime.GOMAXPROCS(1) }

// budget sets the per-dump budget from cfg.
func budget(lim *streamLimits, cfg Config, start time.Time) {
	if cfg.DumpTimeMax > 0 {
		lim.Deadline = start.Add(cfg.DumpTimeMax)
		lim.DeadlineWhy = "DumpTimeMax: reading took over " + cfg.DumpTimeMax.String()
	}
	if n := cfg.DumpZerosMax.Of(0); cfg.DumpZerosMax != Unlimited && n > 0 {
		lim.ZerosMax = n
		lim.ZerosWhy = "DumpZerosMax: over " + humanBytes(n) + " of zero pages"
	}
}

// dropRecord is the dropped.log line for a crash whose sidecar could not
// be written.
func dropRecord(m *Meta) DropRecord {
	why := m.Dropped
	if why == "" {
		why = "sidecar not written"
	}
	return DropRecord{Time: time.Now().UTC(), ID: m.ID, UID: m.UID, Comm: m.Comm, Size: m.Size,
		Reason: fmt.Sprintf("pid %d signal %s: %s", m.PID, m.SignalName, why)}
}

// handlerConfig loads the handler's configuration. A broken config must not
// lose the core: the defaults stand in for what cannot be read (all of it,
// or the bad lines), and the error is returned so the sidecar and the log
// say why. The store from the pattern (-s, set at install) wins over the
// config's, so an edited or broken config cannot send cores elsewhere.
func handlerConfig(ha HandleArgs) (Config, error) {
	cfg, err := LoadConfig(ha.Config)
	if ha.Store != "" {
		cfg.Store = ha.Store
	}
	return cfg, err
}

// shortID names a crash. The handler's own start time, in nanoseconds, is
// part of it: %t has seconds only, and a PID reused within one second
// must not replace the first crash's files.
func shortID(bootID string, c Crash, start time.Time) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s/%d/%d/%d/%d", bootID, c.GlobalPID, c.GlobalTID, c.Time, start.UnixNano())))
	return hex.EncodeToString(h[:6])
}

// newMeta starts the sidecar from the kernel's arguments, and from /proc
// only where /proc was verified to be the crasher's.
func newMeta(env HandleEnv, ha HandleArgs, pi *procInfo, cfgErr error, start time.Time) *Meta {
	c := ha.Crash
	if !pi.Refuted {
		c.Exe = pi.Exe
	}
	bootID, _ := Sysctl{ProcRoot: env.ProcRoot}.ReadString(KnobBootID)
	m := &Meta{
		ID: shortID(bootID, c, start), Time: crashTime(c.Time, start), Received: start.UTC(),
		PID: c.GlobalPID, NSPID: c.PID, TID: c.GlobalTID, UID: c.UID, GID: c.GID,
		Signal: c.Signal, SignalName: SignalName(c.Signal), Comm: c.Comm, Exe: c.Exe,
		Hostname: c.Hostname, BootID: bootID, DumpMode: c.DumpMode, CoreLimit: ha.RawLimit,
		ProcVerified: pi.Verified, Pidfd: env.Pidfd != nil, BuildIDs: []BuildID{},
	}
	if !pi.Verified {
		m.ProcWhy = pi.Why
	}
	if cfgErr != nil {
		m.ConfigError = cfgErr.Error()
	}
	if !pi.Refuted {
		// Unverified values are kept, marked by ProcVerified false.
		m.Cmdline, m.Cwd, m.Cgroup = pi.Cmdline, pi.Cwd, pi.Cgroup
	}
	if pi.Verified {
		if pi.Comm != "" {
			// %e has '/' replaced by '!'; the verified /proc copy is exact.
			m.Comm = pi.Comm
		}
	}
	return m
}

// crashTime is the kernel's %t with the handler's nanoseconds when the
// handler started within that second (it starts at once), so that list
// orders crashes of one second correctly.
func crashTime(t int64, start time.Time) time.Time {
	if start.Unix() == t {
		return start.UTC()
	}
	return time.Unix(t, 0).UTC()
}

// coreOutput is where the stream goes: a pending store file behind a sink
// (zstd or sparse raw), or nothing when a limit keeps the core out.
type coreOutput struct {
	file *pendingFile
	sink sink // nil when the core is not stored
	lim  streamLimits
}

// openCore starts the core's file in the store, or records in m why the
// core will not be stored at all. adm keeps the core within the quota.
func openCore(store Store, cfg Config, c Crash, m *Meta, adm *admission) (*coreOutput, error) {
	out := &coreOutput{}
	if m.Dropped != "" { // storm control said metadata only
		return out, nil
	}
	if why := adm.check(0); why != "" {
		m.Dropped = why
		return out, nil
	}
	out.lim.Room = adm.check
	if cfg.HonorCoreLimit && c.CoreLimit < pageSize {
		m.Dropped = "RLIMIT_CORE"
		return out, nil
	}
	if cfg.HonorCoreLimit {
		out.lim.TruncateAt, out.lim.TruncateWhy = c.CoreLimit, "RLIMIT_CORE"
	}
	m.Compression = "none"
	streamZstd := streamsZstd(cfg)
	if streamZstd {
		m.Compression = "zstd"
	}
	f, err := store.create(coreName(m.ID, m.Compression))
	if err != nil {
		return nil, err
	}
	out.file = f
	if streamZstd {
		z, err := newZstdFile(f.File)
		if err != nil {
			f.abort()
			return nil, err
		}
		out.sink = z
	} else {
		out.sink = newSparseFile(f.File)
	}
	return out, nil
}

// abort removes the core's temporary file unless it was committed.
func (o *coreOutput) abort() {
	if o.file != nil {
		o.file.abort()
	}
}

// recordStream copies what the stream learned into the sidecar.
func recordStream(m *Meta, res *streamResult) {
	m.Size = int64(res.Size)
	if !res.LastByte.IsZero() && !res.Released.IsZero() {
		m.ReleaseMs = res.Released.Sub(res.LastByte).Milliseconds()
	}
	if res.Dropped != "" {
		m.Dropped = res.Dropped
	}
	m.BuildIDs = append(m.BuildIDs, res.BuildIDs...)
	if res.ParseErr != nil {
		m.NoteError = res.ParseErr.Error()
	}
	truncated := res.Truncated
	if cc := res.Core; cc != nil {
		m.Threads = cc.Threads
		// A socket connection has no %s (and 6.18 no pidfd coredump
		// signal): the dumping thread's NT_PRSTATUS names it.
		if m.Signal == 0 && cc.Signal > 0 {
			m.Signal, m.SignalName = cc.Signal, SignalName(cc.Signal)
		}
		// si_addr is a fault address only for kernel-sent signals
		// (si_code > 0); for kill/raise the union holds the sender's pid.
		// 0 is a fault address too: a NULL dereference.
		if cc.HaveSig && cc.SigCode > 0 {
			m.FaultAddr = fmt.Sprintf("%#x", cc.SigAddr)
		}
		if m.Exe == "" && len(cc.Files) > 0 {
			m.Exe = cc.Files[0].Path // advisory: written by the crasher's mappings
		}
		seen := map[string]bool{}
		for _, f := range cc.Files {
			if !seen[f.Path] && len(m.Mapped) < 256 {
				seen[f.Path] = true
				m.Mapped = append(m.Mapped, f.Path)
			}
		}
		m.ExpectedSize = int64(cc.ExpectedSize())
		if exp := cc.ExpectedSize(); res.EOF && res.Size < exp && truncated == "" {
			truncated = "stream"
		}
	}
	if res.Size == 0 && res.ReadErr == nil && truncated == "" && m.Dropped == "" {
		// Nothing came (the dump was interrupted before its first byte, or
		// failed): a 0-byte file would pass for a complete core.
		m.Dropped = "empty stream: the kernel sent no bytes"
		truncated = "stream"
	}
	switch {
	case truncated != "":
		m.Truncated, m.TruncatedWhy = true, truncated
	case res.ReadErr != nil:
		m.Truncated, m.TruncatedWhy = true, "read: "+res.ReadErr.Error()
	case res.WriteErr != nil:
		m.Truncated, m.TruncatedWhy = true, "write: "+res.WriteErr.Error()
	}
}

// submit puts the core under its final name (unless it was dropped) and
// writes the sidecar. A failure to store the core (storeErr) still leaves
// the sidecar: what crashed is never lost.
func submit(store Store, cfg Config, m *Meta, out *coreOutput, res *streamResult, start time.Time, rsv *pendingFile) (storeErr, sidecarErr error) {
	if res.WriteErr != nil && m.Dropped == "" {
		// A full disk: the partial core is worthless to gdb; say so.
		m.Dropped = "write error: " + res.WriteErr.Error()
	}
	if out.file != nil && m.Dropped == "" && res.WriteErr == nil {
		storeErr = finishCore(cfg, m, out)
		if storeErr != nil {
			m.Dropped = "store error: " + storeErr.Error()
		}
	}
	m.HandleMs = time.Since(start).Milliseconds()
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		m.PeakRSSKB = ru.Maxrss
	}
	boundSidecar(m)
	return storeErr, store.writeSidecar(m, cfg.Sync, sidecarAccess(m), rsv)
}

// sidecarAccess gives the crashing user read access to the sidecar of a
// core it may read, so that it can list its own crashes.
func sidecarAccess(m *Meta) func(*os.File) error {
	if m.RootOnly {
		return nil
	}
	return func(f *os.File) error {
		err := grantRead(f, &m.UID)
		if errors.Is(err, errNoACL) {
			return grantRead(f, nil)
		}
		return err
	}
}

// compressStored replaces m's committed raw core with a zstd one: the
// compressed file is committed, then the sidecar rewritten to name it, and
// only then the raw core removed, so that at every moment the sidecar
// names a complete core. It runs after the crasher was released.
func compressStored(store Store, cfg Config, m *Meta) error {
	t0 := time.Now()
	raw, err := openStoredCore(m)
	if err != nil {
		return err
	}
	defer raw.Close()
	p, err := store.create(coreName(m.ID, "zstd"))
	if err != nil {
		return err
	}
	defer p.abort()
	// Nobody waits on this, so a level that beats zstd -1's size: the
	// default level did not (1.02× on bench/corehook.sh's core), "better"
	// did (0.99×), on one encoder goroutine so it takes one CPU at most.
	enc, err := zstd.NewWriter(p.File,
		zstd.WithEncoderLevel(zstd.SpeedBetterCompression),
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(true),
		zstd.WithWindowSize(1<<22))
	if err != nil {
		return err
	}
	if _, err := io.CopyBuffer(enc, raw, make([]byte, chunkSize)); err != nil {
		enc.Close()
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	next := *m
	next.Compression = "zstd"
	if err := setAccess(p.File, &next); err != nil {
		return err
	}
	if err := p.commit(cfg.Sync); err != nil {
		return err
	}
	next.CorePath = p.final
	var st unix.Stat_t
	if err := unix.Lstat(next.CorePath, &st); err != nil {
		return err
	}
	next.DiskSize = st.Blocks * 512
	next.CoreInode, next.CoreFileSize, next.CoreCtimeNs = st.Ino, st.Size, st.Ctim.Nano()
	next.CompressMs = time.Since(t0).Milliseconds()
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		next.PeakRSSKB = ru.Maxrss
	}
	if err := store.writeSidecar(&next, cfg.Sync, sidecarAccess(&next), nil); err != nil {
		os.Remove(next.CorePath) // the sidecar still names the raw core
		return err
	}
	rawPath := m.CorePath
	*m = next
	return os.Remove(rawPath)
}

// finishCore flushes the core, sets its owner and mode, and commits it to
// its final name in the store.
func finishCore(cfg Config, m *Meta, out *coreOutput) error {
	if err := out.sink.Finish(m.Size); err != nil {
		return err
	}
	m.DiskSize = out.sink.DiskBytes()
	if fi, err := out.file.Stat(); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			m.DiskSize = st.Blocks * 512
		}
	}
	if err := setAccess(out.file.File, m); err != nil {
		return err
	}
	if err := out.file.commit(cfg.Sync); err != nil {
		return err
	}
	m.CorePath = out.file.final
	// The identity is taken after the rename, which sets the ctime.
	var st unix.Stat_t
	if err := unix.Lstat(m.CorePath, &st); err != nil {
		return err
	}
	m.CoreInode, m.CoreFileSize, m.CoreCtimeNs = st.Ino, st.Size, st.Ctim.Nano()
	return nil
}

// vacuum applies the store's limits after a crash was stored.
func vacuum(store Store, cfg Config) error {
	if _, err := store.GC(cfg); err != nil {
		return fmt.Errorf("gc: %w", err)
	}
	return nil
}
