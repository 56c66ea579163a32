package corehook

import (
	"reflect"
	"testing"
)

var testCrash = Crash{
	PID: 7, GlobalPID: 4242, TID: 8, GlobalTID: 4243, UID: 1000, GID: 100,
	DumpMode: 1, Signal: 11, Time: 1700000000, Hostname: "box", Comm: "crashy",
	Exe: "/usr/bin/crashy", CoreLimit: 18446744073709551615, CPU: 1, PidfdNumber: 3,
}

func TestExpandFile(t *testing.T) {
	with := func(f func(*Crash)) Crash { c := testCrash; f(&c); return c }
	tests := []struct {
		pattern string
		crash   Crash
		usesPID bool
		want    string
	}{
		{"core", testCrash, false, "core"},
		{"core", testCrash, true, "core.7"},
		{"/var/cores/core.%e.%p.%t", testCrash, true, "/var/cores/core.crashy.7.1700000000"},
		// %P does not suppress core_uses_pid; only %p does.
		{"core.%P", testCrash, true, "core.4242.7"},
		{"%u:%g:%s:%d:%i:%I:%c:%C", testCrash, false, "1000:100:11:1:8:4243:18446744073709551615:1"},
		{"100%%", testCrash, false, "100%"},
		{"trailing%", testCrash, false, "trailing"},
		{"a%zb%Qc", testCrash, false, "abc"},
		// %F is pipe-only.
		{"core.%F.x", testCrash, false, "core..x"},
		{"%h/%e", with(func(c *Crash) { c.Hostname = "a/b"; c.Comm = "x/y" }), false, "a!b/x!y"},
		{"d/%e/c", with(func(c *Crash) { c.Comm = ".." }), false, "d/!./c"},
		{"d/%e/c", with(func(c *Crash) { c.Comm = "." }), false, "d/!/c"},
		{"d/%e/c", with(func(c *Crash) { c.Comm = "" }), false, "d/!/c"},
		{"%f|%E", testCrash, false, "crashy|!usr!bin!crashy"},
		{"%f|%E", with(func(c *Crash) { c.Exe = "" }), false, "crashy (path unknown)|crashy (path unknown)"},
		{"%e %p", with(func(c *Crash) { c.Comm = "a b" }), false, "a b 7"},
	}
	for _, tt := range tests {
		got, argv := Expand(tt.pattern, tt.crash, tt.usesPID)
		if got != tt.want || argv != nil {
			t.Errorf("Expand(%q) = %q, %q; want %q", tt.pattern, got, argv, tt.want)
		}
	}
}

func TestExpandPipe(t *testing.T) {
	c := testCrash
	c.Comm = "--evil x"
	c.Hostname = ""
	_, argv := Expand("|/usr/bin/h  %P %e %F %h %zz  ", c, true)
	want := []string{"/usr/bin/h", "4242", "--evil x", "3", "!", "z"}
	if !reflect.DeepEqual(argv, want) {
		t.Errorf("argv = %q, want %q", argv, want)
	}
	// core_uses_pid never applies to pipes.
	_, argv = Expand("|/h core", c, true)
	if !reflect.DeepEqual(argv, []string{"/h", "core"}) {
		t.Errorf("argv = %q", argv)
	}
}

func TestKind(t *testing.T) {
	for p, want := range map[string]PatternKind{"core": KindFile, "|/x": KindPipe, "@/s": KindSocket, "@@/s": KindSocket, "": KindFile} {
		if got := Kind(p); got != want {
			t.Errorf("Kind(%q) = %v, want %v", p, got, want)
		}
	}
}
