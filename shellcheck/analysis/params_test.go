package analysis

import (
	"fmt"
	"strings"
	"testing"
)

// describe is one ParamRef as a test reads it: its text, context, whether it
// is quoted, a list, an array-all, nested, in which function.
func describe(src string, r *ParamRef) string {
	s := fmt.Sprintf("%s ctx=%d", src[r.Exp.Pos().Offset():r.Exp.End().Offset()], r.Context)
	for _, f := range []struct {
		on   bool
		name string
	}{{r.Quote != nil, "quoted"}, {r.IsList(), "list"}, {r.IsArrayAll(), "array"}, {r.Nested, "nested"}, {r.PrefixAssign, "prefix"}} {
		if f.on {
			s += " " + f.name
		}
	}
	if r.Func != nil {
		s += " in " + r.Func.Name.Value
	}
	if r.Call != nil {
		s += fmt.Sprintf(" arg%d", r.ArgPos)
	}
	return s
}

func TestParams(t *testing.T) {
	tests := []struct{ src, want string }{
		{`cmd "$@" ${*:2}`, fmt.Sprintf(`$@ ctx=%d quoted list arg1 | ${*:2} ctx=%d list arg2`, CtxArg, CtxArg)},
		{`x="$@"`, fmt.Sprintf(`$@ ctx=%d quoted list`, CtxAssign)},
		{`a=(${b[@]})`, fmt.Sprintf(`${b[@]} ctx=%d array`, CtxArray)},
		{`[[ -n $@ ]]`, fmt.Sprintf(`$@ ctx=%d list`, CtxTest)},
		{`echo $(( $# + 1 ))`, fmt.Sprintf(`$# ctx=%d`, CtxArith)},
		{`f() { echo "${1:-$@}"; }`, fmt.Sprintf(`${1:-$@} ctx=%d quoted in f arg1 | $@ ctx=%d list nested in f arg-1`, CtxArg, CtxArg)}, // its word is the default's, not an argument,
		{`for a in $@; do :; done`, fmt.Sprintf(`$@ ctx=%d list`, CtxList)},
		{`case $1 in x) ;; esac`, fmt.Sprintf(`$1 ctx=%d`, CtxCase)},
		{`cat > "$*"`, fmt.Sprintf(`$* ctx=%d quoted list`, CtxRedirect)},
		{"cat <<EOF\n$@\nEOF", fmt.Sprintf(`$@ ctx=%d list`, CtxHeredoc)},
		{`IFS=, cmd "$*"`, fmt.Sprintf(`$* ctx=%d quoted list arg1`, CtxArg)},
		{`x=$@ cmd`, fmt.Sprintf(`$@ ctx=%d list prefix`, CtxAssign)},
	}
	for _, tt := range tests {
		ix, _ := index(t, tt.src)
		var got []string
		for _, r := range ix.Params {
			got = append(got, describe(tt.src, r))
		}
		if g := strings.Join(got, " | "); g != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.src, g, tt.want)
		}
		var lists int
		for _, r := range ix.Params {
			if r.IsList() || r.IsArrayAll() {
				lists++
			}
		}
		if len(ix.Lists) != lists {
			t.Errorf("%q: Lists has %d, want the %d list expansions", tt.src, len(ix.Lists), lists)
		}
	}
}
