//go:build linux

package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/quirkcheck/quirk/corehook"
	"github.com/quirkcheck/quirk/corehook/upload"
)

// RunOptions configures Run, "quirk corehook serve".
type RunOptions struct {
	Options
	Socket string // corehook.DefaultSocket
	// Register installs the socket pattern (@@, else @, else the pipe
	// handler) on start when core_pattern is not already ours, and
	// uninstalls it when Run returns. Under socket activation the unit's
	// ExecStartPre does the install instead, and the pattern outlives
	// restarts.
	Register  bool
	PipeLimit int
	Force     bool
}

// Run checks the namespaces, marks the process non-dumpable, takes the
// socket systemd passed or creates its own, registers if asked, and serves
// until ctx ends.
func Run(ctx context.Context, o RunOptions) (err error) {
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	if o.Socket == "" {
		o.Socket = corehook.DefaultSocket
	}
	if o.Log == nil {
		o.Log = func(string) {}
	}
	if err := CheckInitNamespaces(o.ProcRoot); err != nil {
		return err
	}
	if err := NonDumpable(); err != nil {
		return fmt.Errorf("PR_SET_DUMPABLE: %w", err)
	}
	l, err := Activated()
	if err != nil {
		return err
	}
	if l != nil {
		o.Log("listening on the socket systemd passed")
	} else {
		if l, err = Listen(o.ProcRoot, o.Socket); err != nil {
			return err
		}
		o.Log("listening on " + o.Socket)
	}
	defer l.Close()
	sys := corehook.Sysctl{ProcRoot: o.ProcRoot}
	if o.Register {
		res, err := corehook.Install(corehook.InstallOptions{
			ProcRoot: o.ProcRoot, Store: o.storeDir(), Config: o.Config, Mode: corehook.ModeSocket,
			Socket: o.Socket, PipeLimit: o.PipeLimit, Force: o.Force, StoreFromConfig: o.Store == "",
		})
		if err != nil {
			return fmt.Errorf("registering: %w", err)
		}
		if !res.AlreadyInstalled {
			o.Log("core_pattern = " + res.Pattern)
			defer func() {
				_, uerr := corehook.Uninstall(o.ProcRoot, o.storeDir(), false)
				if uerr == nil {
					o.Log("core_pattern restored")
				}
				err = errors.Join(err, uerr)
			}()
		}
	}
	cur, err := sys.ReadString(corehook.KnobCorePattern)
	if err != nil {
		return err
	}
	if corehook.Kind(cur) == corehook.KindSocket {
		path, request := corehook.SocketOf(cur)
		o.Plain = !request
		if addr, ok := l.Addr().(*net.UnixAddr); ok && addr.Name != path {
			o.Log(fmt.Sprintf("warning: core_pattern names %s, but this server listens on %s", path, addr.Name))
		}
	} else {
		o.Log(fmt.Sprintf("warning: core_pattern is %q: no cores will come to this socket", cur))
	}
	// Uploads run beside the server, never in a connection's path: a
	// core is in the store before its job is queued.
	if cfg, err := corehook.LoadConfig(o.Config); err == nil && cfg.Upload != "" {
		if o.Store != "" {
			cfg.Store = o.Store
		}
		t, err := corehook.UploadTarget(cfg)
		if err != nil {
			return err
		}
		up := &upload.Uploader{Spool: corehook.UploadSpool(cfg), Target: t, Log: o.Log}
		uctx, stopUploads := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			up.Run(uctx, 5*time.Second)
		}()
		defer func() { stopUploads(); <-done }()
		o.Log("uploading to " + cfg.Upload + " via " + t.Endpoint)
	}
	return New(o.Options).Serve(ctx, l)
}

func (o RunOptions) storeDir() string {
	if o.Store != "" {
		return o.Store
	}
	if cfg, err := corehook.LoadConfig(o.Config); err == nil {
		return cfg.Store
	}
	return corehook.DefaultStore
}
