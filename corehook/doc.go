// Package corehook is a Linux core_pattern handler: it stores the cores of
// crashed processes centrally, in one streaming pass, and gives the admin's
// previous kernel settings back byte for byte.
//
// # Install and uninstall
//
// Install saves core_pattern, core_pipe_limit and suid_dumpable in the
// store's state file, then points core_pattern at
//
//	|/abs/quirk corehook handle [-c CONF] [-s STORE] %P %p %i %I %u %g %s %t %c %d %C %F %h %e
//
// and reads every write back. Uninstall restores the saved bytes and refuses
// to clobber a value someone else wrote since install. Kernel knobs are
// read and written through Sysctl, which tests point at a fake /proc.
//
// # The handler, along the crash's path
//
// The kernel runs the handler as root in the initial namespaces with the
// core on stdin and the crasher held until stdin is closed. The code follows
// the crash in the order systemd-coredump's is split:
//
//   - helper_linux.go, the kernel-helper entry: binds fds 0-2, parses the
//     positional arguments (taken from the end, so crasher-chosen strings
//     never become options), calls Handle, logs one line.
//   - context_linux.go, the crasher context: /proc/<pid> opened as a
//     directory fd and verified only when the pidfd proves it is the
//     crasher's; without a pidfd its values are kept but marked unverified.
//   - compat_linux.go, the compat copy: the previous file pattern written
//     with the kernel's own rules, as the crasher's fsuid (the only files
//     opened on the crasher's behalf), or the previous pipe helper fed the
//     same stream.
//   - stream.go and submit_linux.go, submit: Handle's phases; one pass over
//     the stream into a sparse raw or zstd file, notes and build-ids parsed
//     on the way, stdin closed right after the last byte (or at the
//     per-dump budget); then the core is committed and its sidecar written
//     ("Compress = after": raw first, compressed once the crasher is gone).
//   - access_linux.go, who may read a core: always root's files; the
//     crashing uid gets a read-only ACL entry unless the dump mode, ids or
//     AT_SECURE say the process held more privilege.
//   - vacuum.go, every quota decision: Store.admit while a core streams in
//     (sidecar space reserved first, MaxUse as a budget, KeepFree evicting
//     older crashes), Store.GC after it and for "quirk corehook gc", and
//     the stale temporaries of dead writers.
//
// Every crash leaves a record: a core and its sidecar, a sidecar saying
// why the core was dropped or truncated, a dropped.log line, or at least
// the log line.
//
// # The store
//
// Store owns the on-disk layout (cores, JSON sidecars, state.json,
// dropped.log) and the one atomic writer every replaced file goes through
// (create, then commit: a flocked temporary renamed into place);
// coreident_linux.go checks that a stored core is still the committed file
// before dump or debug open it. List, Find, Dump and GC are what the coredumpctl-like verbs use; the
// command line itself ("quirk corehook …") is cmd/quirk/internal/corehook.
package corehook
