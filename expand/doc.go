// Package expand evaluates shell words and scripts with mvdan.cc/sh and with
// real shells, and compares the results, so that every claim the checker
// makes about an expansion can be shown on the real thing.
//
// The entry point for the checker is [EvalWords]: it evaluates many
// [WordCase] values in one sandboxed process per shell (each case in its own
// subshell, fields captured NUL-safe) or in process for the "mvdan" engine.
// [Compare] tells whether several engines agree and renders a readable
// field-by-field diff.
//
// Real shells run sandboxed: an empty environment plus what the caller sets,
// PATH limited to a private helper directory, a fresh temporary working
// directory, resource limits (CPU seconds, file size, processes, memory), a
// wall-clock timeout, an unprivileged user when started as root, and a new
// network namespace where the machine allows it. Words that would run
// commands ($(…), `…`, <(…), or a command named by a path) are refused
// unless [Options.AllowExec] is set.
package expand
