package corehook

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/quirkcheck/quirk/corehook/upload"
)

// UploadSpool is the queue of cores waiting for the object store.
func UploadSpool(cfg Config) upload.Spool {
	return upload.Spool{Dir: filepath.Join(cfg.Store, "upload"), Max: cfg.UploadSpoolMax}
}

// UploadTarget builds the object store target from the config.
func UploadTarget(cfg Config) (upload.Target, error) {
	t, err := upload.ParseTarget(cfg.Upload)
	if err != nil {
		return t, err
	}
	t.Endpoint, t.Region, t.Insecure = cfg.UploadEndpoint, cfg.UploadRegion, cfg.UploadInsecure
	if t.Endpoint == "" {
		return t, fmt.Errorf("the config sets Upload = %s but no UploadEndpoint", cfg.Upload)
	}
	if cfg.UploadCredentials != "" {
		if err := t.ReadCredentials(cfg.UploadCredentials); err != nil {
			return t, err
		}
	}
	return t, nil
}

// queueUpload adds a stored crash to the upload spool. It runs after the
// core is on local disk and the crasher was released.
func queueUpload(store Store, cfg Config, m *Meta) error {
	if cfg.Upload == "" {
		return nil
	}
	host, _ := os.Hostname()
	return UploadSpool(cfg).Add(upload.Job{
		ID: m.ID, Host: host, BootID: m.BootID, Core: m.CorePath,
		Sidecar: store.path(sidecarName(m.ID)), Zstd: m.Compression == "zstd",
	})
}
