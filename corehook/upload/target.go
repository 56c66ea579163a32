package upload

import (
	"bufio"
	"fmt"
	"net/url"
	"os"
	"path"
	"strings"
)

// Target is where cores go: Upload = s3://bucket/prefix, plus the endpoint,
// region and a credentials file.
type Target struct {
	Bucket, Prefix string
	Endpoint       string // host:port; https unless Insecure
	Region         string
	Insecure       bool
	AccessKey      string
	SecretKey      string
}

// ParseTarget reads "s3://bucket/prefix".
func ParseTarget(s string) (Target, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return Target{}, fmt.Errorf("upload target %q: want s3://bucket/prefix", s)
	}
	return Target{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")}, nil
}

// ReadCredentials reads "access_key = …" and "secret_key = …" lines (the
// names of an AWS credentials file; aws_access_key_id and
// aws_secret_access_key work too). The file must not be readable by others.
func (t *Target) ReadCredentials(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s is readable by group or others (%v)", file, fi.Mode().Perm())
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "access_key", "aws_access_key_id":
			t.AccessKey = strings.TrimSpace(v)
		case "secret_key", "aws_secret_access_key":
			t.SecretKey = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if t.AccessKey == "" || t.SecretKey == "" {
		return fmt.Errorf("%s: no access_key and secret_key", file)
	}
	return nil
}

// Keys returns the object names of a job's core and sidecar:
// prefix/host/boot-id/core-id/{core.zst,meta.json}. The same job always
// gets the same names, which makes retries idempotent.
func (t Target) Keys(j Job) (core, meta string) {
	clean := func(s string) string {
		s = strings.Map(func(r rune) rune {
			if r == '/' || r < ' ' || r == 0x7f || r == '\\' {
				return '_'
			}
			return r
		}, s)
		if s == "" || s == "." || s == ".." {
			return "_"
		}
		return s
	}
	dir := path.Join(t.Prefix, clean(j.Host), clean(j.BootID), clean(j.ID))
	return dir + "/core.zst", dir + "/meta.json"
}
