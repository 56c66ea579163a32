//go:build race

package lsp

// raceEnabled: the race detector makes every check ten times slower and
// its shadow memory distorts heap figures.
const raceEnabled = true
