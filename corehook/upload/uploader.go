package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Uploader drains a spool into one target.
type Uploader struct {
	Spool  Spool
	Target Target
	// Timeout bounds one object upload (10 min).
	Timeout time.Duration
	Log     func(string)
	Now     func() time.Time
	client  *minio.Client
}

func (u *Uploader) init() error {
	if u.client != nil {
		return nil
	}
	if u.Timeout <= 0 {
		u.Timeout = 10 * time.Minute
	}
	if u.Log == nil {
		u.Log = func(string) {}
	}
	if u.Now == nil {
		u.Now = time.Now
	}
	var creds *credentials.Credentials
	if u.Target.AccessKey != "" {
		creds = credentials.NewStaticV4(u.Target.AccessKey, u.Target.SecretKey, "")
	} else {
		creds = credentials.NewStaticV4("", "", "") // anonymous
	}
	c, err := minio.New(u.Target.Endpoint, &minio.Options{Creds: creds, Secure: !u.Target.Insecure, Region: u.Target.Region})
	if err != nil {
		return err
	}
	u.client = c
	return nil
}

// RunOnce tries every job that is due and returns how many were uploaded.
// A failed job gets its attempt count, error and next try recorded.
func (u *Uploader) RunOnce(ctx context.Context) (int, error) {
	if err := u.init(); err != nil {
		return 0, err
	}
	jobs, err := u.Spool.List()
	if err != nil {
		return 0, err
	}
	done := 0
	for _, j := range jobs {
		if ctx.Err() != nil {
			return done, ctx.Err()
		}
		if u.Now().Before(j.NextTry) {
			continue
		}
		if _, err := os.Stat(j.Sidecar); errors.Is(err, os.ErrNotExist) {
			// The store's limits removed the crash before it could go.
			u.Log("upload of " + j.ID + " dropped: its sidecar is gone from the store")
			if err := u.Spool.Done(j.ID); err != nil {
				return done, err
			}
			continue
		}
		if err := u.upload(ctx, j); err != nil {
			j.Attempts++
			j.LastErr = err.Error()
			j.NextTry = u.Now().Add(Backoff(j.Attempts))
			u.Log(fmt.Sprintf("upload of %s failed (attempt %d, next in %v): %v", j.ID, j.Attempts, Backoff(j.Attempts), err))
			if werr := u.Spool.write(j); werr != nil {
				return done, werr
			}
			continue
		}
		if err := u.Spool.Done(j.ID); err != nil {
			return done, err
		}
		done++
		u.Log("uploaded " + j.ID)
	}
	return done, nil
}

// Run drains the spool every interval until ctx ends.
func (u *Uploader) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := u.RunOnce(ctx); err != nil && !errors.Is(err, context.Canceled) {
			u.Log("upload: " + err.Error())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// upload puts the core (compressed on the way if it is stored raw) and then
// the sidecar: a sidecar in the bucket means its core is there too.
func (u *Uploader) upload(ctx context.Context, j Job) error {
	ctx, cancel := context.WithTimeout(ctx, u.Timeout)
	defer cancel()
	coreKey, metaKey := u.Target.Keys(j)
	f, err := openCore(j.Core)
	if err != nil {
		return err
	}
	if f != nil {
		defer f.Close()
		var r io.Reader = f
		size := int64(-1)
		if j.Zstd {
			if fi, err := f.Stat(); err == nil {
				size = fi.Size()
			}
		} else {
			pr, pw := io.Pipe()
			go func() {
				enc, err := zstd.NewWriter(pw, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
				if err == nil {
					_, err = io.Copy(enc, f)
					err = errors.Join(err, enc.Close())
				}
				pw.CloseWithError(err)
			}()
			defer pr.Close()
			r = pr
		}
		opts := minio.PutObjectOptions{ContentType: "application/zstd", PartSize: 16 << 20}
		if _, err := u.client.PutObject(ctx, u.Target.Bucket, coreKey, r, size, opts); err != nil {
			return fmt.Errorf("put %s: %w", coreKey, err)
		}
	}
	m, err := os.Open(j.Sidecar)
	if err != nil {
		return err
	}
	defer m.Close()
	fi, err := m.Stat()
	if err != nil {
		return err
	}
	if _, err := u.client.PutObject(ctx, u.Target.Bucket, metaKey, m, fi.Size(), minio.PutObjectOptions{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("put %s: %w", metaKey, err)
	}
	return nil
}

// openCore opens a job's core; a core the store's limits removed since is
// nil (the sidecar still goes, and says what crashed).
func openCore(path string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return f, err
}
