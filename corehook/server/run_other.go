//go:build !linux

// Package server is "quirk corehook serve", which needs Linux's
// core_pattern socket modes.
package server

import (
	"context"
	"errors"
)

// RunOptions configures Run.
type RunOptions struct {
	Config, Store, ProcRoot, Socket string
	Register, Force                 bool
	PipeLimit                       int
	Log                             func(string)
}

// Run fails: the core_pattern socket is Linux's.
func Run(context.Context, RunOptions) error {
	return errors.New("corehook serve needs Linux 6.16 or later")
}
