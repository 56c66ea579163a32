//go:build linux

package corehook

import "time"

// RecordRejected writes a sidecar for a crash whose core was refused (a
// socket server's REJECT when its budget is spent), so list and info still
// say what crashed and why nothing was kept. It reads /proc like Handle;
// call it while the kernel still holds the crasher, before the REJECT.
// The sidecar stays root-only: no core was checked for AT_SECURE.
func RecordRejected(env HandleEnv, ha HandleArgs, why string) (*Meta, error) {
	if env.ProcRoot == "" {
		env.ProcRoot = "/proc"
	}
	cfg, cfgErr := handlerConfig(ha)
	store := OpenStore(cfg.Store)
	pi := readProc(env, ha.Crash.GlobalPID)
	if pi.dir != nil {
		defer pi.dir.Close()
	}
	start := time.Now()
	if env.Now != nil {
		start = env.Now()
	}
	m := newMeta(env, ha, pi, cfgErr, start)
	m.Dropped = "rejected: " + why
	m.RootOnly, m.RootOnlyWhy = true, "no core to check"
	if err := store.Ensure(); err != nil {
		return m, err
	}
	return m, store.writeSidecar(m, cfg.Sync, nil, nil)
}
