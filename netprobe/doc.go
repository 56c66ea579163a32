// Package netprobe measures how this host lets sockets share a port, finds
// ports that another user or process could take over, and offers Listen, a
// listener that refuses to be shared.
//
// SO_REUSEADDR means three different things: on BSD and macOS it permits
// wildcard/specific overlaps and TIME_WAIT rebinding, on Linux only TIME_WAIT
// rebinding, and on Windows it lets a second socket bind over a live listener
// unless the first set SO_EXCLUSIVEADDRUSE. Linux adds SO_REUSEPORT groups,
// UDP co-binding with SO_REUSEADDR across users, and v4/v6 splits. The
// package probes these cases against the real kernel instead of trusting a
// table: see Matrix, Scan and Check. Nothing here uses cgo.
package netprobe
