// Package expand evaluates shell words and scripts with mvdan.cc/sh and with
// real shells, and compares the results, so that every claim the checker
// makes about an expansion can be shown on the real thing.
//
// The entry point for the checker is [EvalWords]: it evaluates many
// [WordCase] values in one sandboxed process per engine and core (plain
// cases in shared subshells, the others each in its own, fields captured
// NUL-safe). [Compare] tells whether several engines agree and renders a
// readable field-by-field diff.
//
// Every engine is an [Engine] started the same way in the same sandbox: the
// six real shells, and mvdan.cc/sh as this executable re-run as an engine
// worker (worker.go). The sandbox (sandbox*.go) is bubblewrap's user,
// mount, PID, network, IPC and UTS namespaces over a minimal read-only
// root, a seccomp filter (no ptrace, mounts, namespaces, bpf, keyctl,
// perf_event_open, io_uring or sockets), Landlock scopes (no abstract
// sockets or signals across the edge), no_new_privs, one cgroup capping the
// tree's memory and tasks, uid 65534 when started as root, rlimits, a
// wall-clock timeout, an empty environment and a private PATH. A layer the
// machine cannot give is named in [Result.Notes], and
// [Options.RequireSandbox] refuses to run without it.
//
// Words that plainly run commands ($(…), `…`, <(…), a command named by a
// path, eval-like builtins) are refused unless [Options.AllowExec] is set.
// That refusal is advisory: shells run code hidden in data in ways no
// syntax check sees; the sandbox is the guarantee.
package expand
