package upload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/klauspost/compress/zstd"
)

// Uploader drains a spool into one target.
type Uploader struct {
	Spool  Spool
	Target Target
	// Timeout bounds one object upload (10 min).
	Timeout time.Duration
	Log     func(string)
	Now     func() time.Time
	client  *s3.Client
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
	c, err := newClient(u.Target)
	if err != nil {
		return err
	}
	u.client = c
	return nil
}

// defaultRegion signs requests when the config sets no UploadRegion. Most
// S3-compatible servers (SeaweedFS, MinIO) accept any region; AWS itself
// wants the bucket's own.
const defaultRegion = "us-east-1"

// newClient builds an S3 client from the target alone: s3.New, not the
// SDK's config package, so nothing comes from ~/.aws or AWS_* variables.
func newClient(t Target) (*s3.Client, error) {
	scheme := "https://"
	if t.Insecure {
		scheme = "http://"
	}
	base := scheme + t.Endpoint
	// The endpoint is host:port; a scheme or path in it is a config error
	// better reported now than as a strange request failure.
	if eu, err := url.Parse(base); err != nil || eu.Host != t.Endpoint || t.Endpoint == "" {
		return nil, fmt.Errorf("upload endpoint %q: want host:port", t.Endpoint)
	}
	region := t.Region
	if region == "" {
		region = defaultRegion
	}
	var creds aws.CredentialsProvider = aws.AnonymousCredentials{}
	if t.AccessKey != "" {
		creds = credentials.NewStaticCredentialsProvider(t.AccessKey, t.SecretKey, "")
	}
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(base),
		// Path style (host/bucket/key) works without wildcard DNS or
		// certificates for bucket.host, which S3-compatible servers rarely have.
		UsePathStyle: true,
		Region:       region,
		Credentials:  creds,
		// The SDK's default since 2025 adds a CRC checksum to every upload
		// and validates the ones sent back; S3-compatible servers that do
		// not implement these refuse such uploads. Send and check them
		// only where S3 requires them (SigV4 still signs the payload). The
		// pinned SeaweedFS accepts both ways; TestS3Upload runs this one.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}), nil
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
			// The end of ctx must end the upload even while it waits for
			// the compressor (a stalled read of the core): closing the
			// pipe's write end makes that read return ctx's error, and
			// putStream aborts.
			defer context.AfterFunc(ctx, func() { pw.CloseWithError(ctx.Err()) })()
			r = pr
		}
		if size >= 0 {
			err = u.put(ctx, coreKey, f, size, "application/zstd")
		} else {
			err = u.putStream(ctx, coreKey, r, "application/zstd")
		}
		if err != nil {
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
	if err := u.put(ctx, metaKey, m, fi.Size(), "application/json"); err != nil {
		return fmt.Errorf("put %s: %w", metaKey, err)
	}
	return nil
}

// put stores an object of known size in one request. body must be
// seekable (a file, a bytes.Reader): the SDK hashes it for the signature
// and rewinds it for a retry.
func (u *Uploader) put(ctx context.Context, key string, body io.ReadSeeker, size int64, contentType string) error {
	_, err := u.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(u.Target.Bucket),
		Key:           aws.String(key),
		Body:          body,
		ContentLength: aws.Int64(size),
		ContentType:   aws.String(contentType),
	})
	return err
}

// partSize is the size of a multipart upload's parts; at S3's limit of
// 10,000 parts an object can be 156 GiB.
const partSize = 16 << 20

const maxParts = 10000

// putStream stores a stream of unknown length (a core compressed on the
// way) as a multipart upload, one partSize buffer in memory at a time. A
// stream shorter than one part goes in a single PutObject. On any error,
// the context's end included, the upload is aborted, so neither an object
// nor the server's stored parts stay behind.
func (u *Uploader) putStream(ctx context.Context, key string, r io.Reader, contentType string) error {
	buf := make([]byte, partSize)
	n, err := io.ReadFull(r, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return u.put(ctx, key, bytes.NewReader(buf[:n]), int64(n), contentType)
	}
	if err != nil {
		return err
	}
	bucket := aws.String(u.Target.Bucket)
	mu, err := u.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: bucket, Key: aws.String(key), ContentType: aws.String(contentType),
	})
	if err != nil {
		return err
	}
	completed := false
	defer func() {
		if completed {
			return
		}
		// ctx may be what ended the upload: abort on a context of its own.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, err := u.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
			Bucket: bucket, Key: aws.String(key), UploadId: mu.UploadId,
		}); err != nil {
			u.Log("abort multipart upload of " + key + ": " + err.Error())
		}
	}()
	var parts []types.CompletedPart
	for num := int32(1); n > 0; num++ {
		if num > maxParts {
			return fmt.Errorf("more than %d parts of %d bytes", maxParts, partSize)
		}
		out, err := u.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: bucket, Key: aws.String(key), UploadId: mu.UploadId,
			PartNumber: aws.Int32(num), Body: bytes.NewReader(buf[:n]), ContentLength: aws.Int64(int64(n)),
		})
		if err != nil {
			return fmt.Errorf("part %d: %w", num, err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
		// The part is sent: its buffer can take the next one.
		n, err = io.ReadFull(r, buf)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return err
		}
	}
	if _, err := u.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: bucket, Key: aws.String(key), UploadId: mu.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	}); err != nil {
		return err
	}
	completed = true
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
