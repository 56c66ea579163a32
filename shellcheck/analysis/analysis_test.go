package analysis

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	good := func() *Analyzer {
		return &Analyzer{ID: "QK5001", Name: "a-rule", Doc: "title\n\nbody", Hint: "hint", Run: func(*Pass) {}}
	}
	if err := Validate([]*Analyzer{good()}); err != nil {
		t.Fatalf("a valid analyzer: %v", err)
	}
	tests := []struct {
		name   string
		change func(*Analyzer)
		want   string
	}{
		{"below 5001", func(a *Analyzer) { a.ID = "QK2086" }, "at least 5001"},
		{"bad name", func(a *Analyzer) { a.Name = "A Rule" }, "not kebab-case"},
		{"no run", func(a *Analyzer) { a.Run = nil }, "no Run"},
		{"no hint", func(a *Analyzer) { a.Hint = "" }, "hint"},
		{"probe without verdict", func(a *Analyzer) { a.Probe = &Probe{} }, "what counts as surprising"},
		{"wrong URL", func(a *Analyzer) { a.URL = "https://example.com" }, "documentation page"},
		{"builtin with probe", func(a *Analyzer) { a.Builtin, a.Probe = true, &Probe{Shows: func(*Evaluation) bool { return true }} }, "builtin"},
	}
	for _, tt := range tests {
		a := good()
		tt.change(a)
		if err := Validate([]*Analyzer{a}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error about %q", tt.name, err, tt.want)
		}
	}
	if err := Validate([]*Analyzer{good(), good()}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate: %v", err)
	}
}

func TestProbeDefaultCases(t *testing.T) {
	p := &Probe{Shows: func(*Evaluation) bool { return true }}
	d := &Diagnostic{Expr: `"${@:0}"`, Setup: "n=0", Contrast: `"${@:1}"`}
	cs, err := p.CasesFor(d)
	if err != nil || len(cs) != len(SampleArgs) {
		t.Fatalf("got %d cases, %v", len(cs), err)
	}
	for i, c := range cs {
		if c.Word != d.Expr || c.Setup != d.Setup || c.Contrast != d.Contrast || len(c.Args) != len(SampleArgs[i]) {
			t.Errorf("case %d = %+v", i, c)
		}
	}
}
