//go:build !linux

package netprobe

// inPrivateNetns cannot isolate anything outside Linux.
func inPrivateNetns(func() error) error { return errNotIsolated }
