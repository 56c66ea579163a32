// Package shellcheck checks shell scripts for positional-parameter expansion
// surprises that other linters miss: "${@:0}" including $0, "${@:-1}" being a
// default value, negative slice lengths, ignored shift failures, and more.
//
// The rules live in [github.com/quirkcheck/quirk/shellcheck/rules], each an
// [analysis.Analyzer] in the style of golang.org/x/tools/go/analysis. This
// package ties them together: it reads a script, works out its dialect, runs
// every enabled rule over one shared index of the syntax tree, and applies
// "# quirk disable=" directives and .quirkrc settings.
package shellcheck

//go:generate go run ./internal/checkdocs -root ..
