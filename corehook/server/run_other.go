//go:build !linux

// Package server is "quirk corehook serve", which needs Linux's
// core_pattern socket modes.
package server

import (
	"context"
	"errors"
)

// Options are the server's settings that the CLI passes.
type Options struct {
	Config, Store, ProcRoot string
	MaxDumps, BudgetDumps   int
	Log                     func(string)
}

// RunOptions configures Run.
type RunOptions struct {
	Options
	Socket          string
	Register, Force bool
	PipeLimit       int
}

// Run fails: the core_pattern socket is Linux's.
func Run(context.Context, RunOptions) error {
	return errors.New("corehook serve needs Linux 6.16 or later")
}
