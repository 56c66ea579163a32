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
//     directory fd and trusted only when the pidfd (or core_pipe_limit)
//     proves it is the crasher's; nothing else from /proc is believed.
//   - compat_linux.go, the compat copy: the previous file pattern written
//     with the kernel's own rules, as the crasher's fsuid (the only files
//     opened on the crasher's behalf), or the previous pipe helper fed the
//     same stream.
//   - stream.go and submit_linux.go, submit: Handle's phases; one pass over
//     the stream into a sparse raw or zstd file, notes and build-ids parsed
//     on the way, stdin closed right after the last byte; then the core is
//     committed and its sidecar written.
//   - access_linux.go, who may read a core: root only unless the dump mode,
//     ids and AT_SECURE all say the crashing uid held no more privilege.
//   - vacuum.go: MaxUse, KeepFree and MaxUsePerUID, applied after every
//     crash and by "quirk corehook gc".
//
// # The store
//
// Store owns the on-disk layout (cores, JSON sidecars, state.json,
// dropped.log) and the one atomic writer every replaced file goes through.
// List, Find, Dump and GC are what the coredumpctl-like verbs use; the
// command line itself ("quirk corehook …") is cmd/quirk/internal/corehook.
package corehook
