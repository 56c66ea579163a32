//go:build linux

package upload_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"

	"github.com/quirkcheck/quirk/corehook"
	"github.com/quirkcheck/quirk/corehook/internal/synthcore"
	"github.com/quirkcheck/quirk/corehook/upload"
	"github.com/quirkcheck/quirk/expand/testenv"
)

const (
	accessKey = "quirktest"
	secretKey = "quirktestsecretquirktestsecret00"
	s3Port    = 8333
)

// weedPath finds SeaweedFS's weed: on PATH or in GOBIN/GOPATH/bin, where
// .ci/run installs it.
func weedPath(t *testing.T) string {
	if p, err := exec.LookPath("weed"); err == nil {
		return p
	}
	for _, dir := range []string{os.Getenv("GOBIN"), filepath.Join(os.Getenv("GOPATH"), "bin"), filepath.Join(os.Getenv("HOME"), "go", "bin")} {
		if p := filepath.Join(dir, "weed"); dir != "" && fileExists(p) {
			return p
		}
	}
	miss(t, "SeaweedFS weed is not installed (go install github.com/seaweedfs/seaweedfs/weed@…, see .ci/run)")
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// miss ends the test for a missing tool (SeaweedFS, unshare) by
// testenv's policy.
func miss(t *testing.T, why string) {
	t.Helper()
	testenv.Unmet(t, testenv.Shells, "%s", why)
}

// TestS3Upload runs in a network namespace of its own (loopback only): the
// parent re-executes the test binary under "unshare -n".
func TestS3Upload(t *testing.T) {
	if os.Getenv("QUIRK_S3_CHILD") != "1" {
		weed := weedPath(t)
		if os.Getuid() != 0 {
			testenv.Unmet(t, testenv.Root, "the S3 test needs root for its own network namespace")
		}
		if _, err := exec.LookPath("unshare"); err != nil {
			miss(t, "unshare is not installed")
		}
		cmd := exec.Command("unshare", "-n", os.Args[0], "-test.run=^TestS3Upload$", "-test.v", "-test.timeout=8m")
		cmd.Env = append(os.Environ(), "QUIRK_S3_CHILD=1", "QUIRK_WEED="+weed)
		out, err := cmd.CombinedOutput()
		t.Logf("child:\n%s", out)
		if err != nil {
			t.Fatalf("child: %v", err)
		}
		if !strings.Contains(string(out), "--- PASS: TestS3Upload") {
			t.Fatal("the child did not run the test")
		}
		return
	}
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("ip link set lo up: %v %s", err, out)
	}
	srv := startWeed(t, os.Getenv("QUIRK_WEED"))
	dir := t.TempDir()
	creds := filepath.Join(dir, "s3.cred")
	os.WriteFile(creds, []byte("access_key = "+accessKey+"\nsecret_key = "+secretKey+"\n"), 0o600)
	store := filepath.Join(dir, "store")
	conf := filepath.Join(dir, "corehook.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("Store = %s\nCompress = no\nMaxUse = infinity\nKeepFree = 0\nUpload = s3://cores/fleet\nUploadEndpoint = 127.0.0.1:%d\nUploadInsecure = yes\nUploadCredentials = %s\nUploadSpoolMax = 40\n", store, s3Port, creds)), 0o600)
	cfg, err := corehook.LoadConfig(conf)
	if err != nil {
		t.Fatal(err)
	}
	target, err := corehook.UploadTarget(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cl := srv.client(t, accessKey, secretKey)
	ctx := context.Background()
	for start := time.Now(); ; time.Sleep(300 * time.Millisecond) {
		_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("cores")})
		if err == nil {
			break
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("SeaweedFS S3 not ready: %v\n%s", err, srv.log())
		}
	}
	// The S3 port and bucket API answer before a volume server has joined:
	// wait until an object can really be written.
	for start := time.Now(); ; time.Sleep(300 * time.Millisecond) {
		_, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cores"), Key: aws.String("ready/probe"), Body: strings.NewReader("ok")})
		if err == nil {
			break
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("SeaweedFS cannot store objects: %v\n%s", err, srv.log())
		}
	}
	now := time.Now()
	up := &upload.Uploader{Spool: corehook.UploadSpool(cfg), Target: target, Now: func() time.Time { return now }, Log: func(s string) { t.Log(s) }}

	// One crash: stored by the handler, queued, uploaded compressed.
	core := synthetic(t, 1)
	m := handle(t, conf, core, 1)
	if n, err := up.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	host, _ := os.Hostname()
	coreKey, metaKey := target.Keys(upload.Job{ID: m.ID, Host: host, BootID: m.BootID})
	if got := getZstd(t, cl, coreKey); !bytes.Equal(got, core) {
		t.Fatalf("uploaded core differs (%d bytes, want %d)", len(got), len(core))
	}
	var um corehook.Meta
	if err := json.Unmarshal(get(t, cl, metaKey), &um); err != nil || um.ID != m.ID || um.PID != m.PID {
		t.Fatalf("uploaded sidecar %+v, %v", um, err)
	}

	// Idempotent: the same job again writes the same two objects.
	if err := up.Spool.Add(upload.Job{ID: m.ID, Host: host, BootID: m.BootID, Core: m.CorePath, Sidecar: filepath.Join(store, m.ID+".json")}); err != nil {
		t.Fatal(err)
	}
	if n, err := up.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("retry RunOnce = %d, %v", n, err)
	}
	if n := count(t, cl, "fleet/"); n != 2 {
		t.Fatalf("%d objects after a repeated upload, want 2", n)
	}

	// Wrong credentials are refused by the server: the job stays queued.
	wrong := target
	wrong.SecretKey = "wrong" + secretKey
	bad := &upload.Uploader{Spool: up.Spool, Target: wrong, Now: up.Now}
	m2 := handle(t, conf, synthetic(t, 2), 2)
	if n, _ := bad.RunOnce(ctx); n != 0 {
		t.Fatal("an upload with a wrong secret key succeeded")
	}
	// The server goes down during a crash and comes back.
	srv.stop(t)
	m3 := handle(t, conf, synthetic(t, 3), 3)
	if n, _ := up.RunOnce(ctx); n != 0 {
		t.Fatal("uploaded with the server down")
	}
	st, _ := up.Spool.Stats()
	if st.Queued != 2 || st.Failing != 2 || st.LastErr == "" {
		t.Fatalf("queue while down: %+v", st)
	}
	if n, _ := up.RunOnce(ctx); n != 0 {
		t.Fatal("a job was retried before its backoff")
	}
	srv = startWeedIn(t, os.Getenv("QUIRK_WEED"), srv.dir)
	now = now.Add(time.Hour)
	for start := time.Now(); ; time.Sleep(500 * time.Millisecond) {
		n, _ := up.RunOnce(ctx)
		if st, _ := up.Spool.Stats(); st.Queued == 0 {
			break
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("jobs not uploaded after the server came back (%d this round)\n%s", n, srv.log())
		}
		now = now.Add(time.Hour)
	}
	for _, mm := range []*corehook.Meta{m2, m3} {
		_, k := target.Keys(upload.Job{ID: mm.ID, Host: host, BootID: mm.BootID})
		get(t, cl, k)
	}

	// A storm of 32 crashes: every one queued, every one uploaded.
	var storm []*corehook.Meta
	for i := range 32 {
		storm = append(storm, handle(t, conf, synthetic(t, 100+i), 100+i))
	}
	if st, _ := up.Spool.Stats(); st.Queued != 32 {
		t.Fatalf("%d queued after the storm, want 32", st.Queued)
	}
	if n, err := up.RunOnce(ctx); err != nil || n != 32 {
		t.Fatalf("storm RunOnce = %d, %v", n, err)
	}
	if n := count(t, cl, "fleet/"); n != 2*(3+32) {
		t.Fatalf("%d objects, want %d", n, 2*(3+32))
	}
	last := storm[31]
	ck, _ := target.Keys(upload.Job{ID: last.ID, Host: host, BootID: last.BootID})
	if got := getZstd(t, cl, ck); !bytes.Equal(got, synthetic(t, 131)) {
		t.Fatal("the storm's last core differs")
	}

	t.Run("Multipart", func(t *testing.T) { testMultipart(t, up, cl) })
	t.Run("Cancel", func(t *testing.T) { testCancel(t, up, cl) })
}

// randomCore is n bytes that zstd cannot shrink, the same for a seed.
func randomCore(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// rawJob queues a job for a raw core at corePath, with a small sidecar.
func rawJob(t *testing.T, up *upload.Uploader, id, corePath string) upload.Job {
	t.Helper()
	side := filepath.Join(t.TempDir(), id+".json")
	if err := os.WriteFile(side, []byte(`{"id":"`+id+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	j := upload.Job{ID: id, Host: "big-host", BootID: "boot", Core: corePath, Sidecar: side}
	if err := up.Spool.Add(j); err != nil {
		t.Fatal(err)
	}
	return j
}

// testMultipart uploads a raw 40 MiB core that compresses to more than two
// parts: a real multipart upload of three parts, read back byte for byte.
func testMultipart(t *testing.T, up *upload.Uploader, cl *s3.Client) {
	ctx := context.Background()
	core := randomCore(40<<20, 1)
	corePath := filepath.Join(t.TempDir(), "big.core")
	if err := os.WriteFile(corePath, core, 0o600); err != nil {
		t.Fatal(err)
	}
	j := rawJob(t, up, "big", corePath)
	if n, err := up.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	ck, mk := up.Target.Keys(j)
	if got := getZstd(t, cl, ck); !bytes.Equal(got, core) {
		t.Fatalf("the multipart core differs (%d bytes, want %d)", len(got), len(core))
	}
	h, err := cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cores"), Key: aws.String(ck), PartNumber: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if want := int32(3); h.PartsCount == nil || *h.PartsCount != want || aws.ToString(h.ContentType) != "application/zstd" {
		t.Fatalf("parts %v, content type %q: want %d parts of application/zstd", aws.ToInt32(h.PartsCount), aws.ToString(h.ContentType), want)
	}
	if h, err := cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cores"), Key: aws.String(mk)}); err != nil || aws.ToString(h.ContentType) != "application/json" {
		t.Fatalf("sidecar: %v", err)
	}
	if n := uploads(t, cl); n != 0 {
		t.Fatalf("%d multipart uploads left after a complete one", n)
	}
}

// testCancel cuts off a multipart upload after its first part: the core
// is a FIFO that the test feeds 20 MiB and then holds open, so the
// uploader waits for the rest when ctx is cancelled. No object and no
// unfinished multipart upload may stay behind, and the job stays queued.
func testCancel(t *testing.T, up *upload.Uploader, cl *s3.Client) {
	fifo := filepath.Join(t.TempDir(), "stalled.core")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	j := rawJob(t, up, "stalled", fifo)
	ck, _ := up.Target.Keys(j)
	fed := make(chan error, 1)
	release := make(chan struct{})
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			_, err = w.Write(randomCore(20<<20, 2))
			<-release
			w.Close()
		}
		fed <- err
	}()
	defer func() {
		close(release)
		if err := <-fed; err != nil && !errors.Is(err, syscall.EPIPE) {
			t.Error(err)
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		n   int
		err error
	}
	res := make(chan result, 1)
	go func() { n, err := up.RunOnce(ctx); res <- result{n, err} }()
	// Wait until the server holds the first part of the upload.
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		if parts(t, cl, ck) > 0 {
			break
		}
		if time.Since(start) > 60*time.Second {
			t.Fatal("the first part never arrived")
		}
	}
	cancel()
	select {
	case r := <-res:
		// The cut-off job was the last: RunOnce records its failure and
		// has no next job to refuse with ctx's error.
		if r.n != 0 || r.err != nil && !errors.Is(r.err, context.Canceled) {
			t.Fatalf("RunOnce after cancel = %d, %v", r.n, r.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("RunOnce went on after its context was cancelled")
	}
	if _, err := cl.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("cores"), Key: aws.String(ck)}); err == nil {
		t.Fatal("a cancelled upload left an object")
	}
	if n := uploads(t, cl); n != 0 {
		t.Fatalf("a cancelled upload left %d multipart uploads", n)
	}
	jobs, _ := up.Spool.List()
	if len(jobs) != 1 || jobs[0].ID != "stalled" || jobs[0].Attempts != 1 || !strings.Contains(jobs[0].LastErr, "put "+ck+": ") || !strings.Contains(jobs[0].LastErr, context.Canceled.Error()) {
		t.Fatalf("jobs after the cancel: %+v", jobs)
	}
	up.Spool.Done("stalled")
}

// uploads counts the bucket's unfinished multipart uploads.
func uploads(t *testing.T, cl *s3.Client) int {
	t.Helper()
	out, err := cl.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String("cores")})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Uploads)
}

// parts counts the parts the server holds of key's unfinished uploads.
func parts(t *testing.T, cl *s3.Client, key string) int {
	t.Helper()
	out, err := cl.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String("cores"), Prefix: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, u := range out.Uploads {
		lp, err := cl.ListParts(context.Background(), &s3.ListPartsInput{Bucket: aws.String("cores"), Key: u.Key, UploadId: u.UploadId})
		if err != nil {
			t.Fatal(err)
		}
		n += len(lp.Parts)
	}
	return n
}

func synthetic(t *testing.T, n int) []byte {
	var b bytes.Buffer
	if _, err := synthcore.Write(&b, synthcore.Spec{PID: int32(n), Signal: 11, Comm: "crasher", ExePath: "/bin/crasher", BuildID: []byte{byte(n)},
		Mappings: []synthcore.Mapping{{Size: 256 << 10, Fill: synthcore.Zeros(256 << 10)}}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// handle stores one core through the real handler, as crash n of this
// process (verified through a pidfd of itself).
func handle(t *testing.T, conf string, core []byte, n int) *corehook.Meta {
	t.Helper()
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		t.Fatal(err)
	}
	pidfd := os.NewFile(uintptr(fd), "pidfd")
	defer pidfd.Close()
	ha := corehook.HandleArgs{Config: conf, HavePidfd: true, RawLimit: "0", Crash: corehook.Crash{
		GlobalPID: os.Getpid(), PID: os.Getpid(), GlobalTID: os.Getpid(), TID: os.Getpid(),
		UID: uint32(os.Getuid()), GID: uint32(os.Getgid()), Signal: 11, Time: int64(1_700_000_000 + n), DumpMode: 1, Comm: "crasher",
	}}
	m, _, err := corehook.Handle(corehook.HandleEnv{ProcRoot: "/proc", Pidfd: pidfd}, ha, bytes.NewReader(core))
	if err != nil || m == nil || m.CorePath == "" {
		t.Fatalf("Handle: %+v, %v", m, err)
	}
	return m
}

func get(t *testing.T, cl *s3.Client, key string) []byte {
	t.Helper()
	o, err := cl.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("cores"), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer o.Body.Close()
	b, err := io.ReadAll(o.Body)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	return b
}

func getZstd(t *testing.T, cl *s3.Client, key string) []byte {
	t.Helper()
	d, err := zstd.NewReader(bytes.NewReader(get(t, cl, key)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	b, err := io.ReadAll(d)
	if err != nil {
		t.Fatalf("%s is not zstd: %v", key, err)
	}
	return b
}

func count(t *testing.T, cl *s3.Client, prefix string) int {
	n := 0
	p := s3.NewListObjectsV2Paginator(cl, &s3.ListObjectsV2Input{Bucket: aws.String("cores"), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Contents)
	}
	return n
}

type weedServer struct {
	dir string
	cmd *exec.Cmd
	out *bytes.Buffer
}

func startWeed(t *testing.T, weed string) *weedServer {
	return startWeedIn(t, weed, t.TempDir())
}

// startWeedIn runs "weed server" with master, volume, filer and S3 on
// loopback, data in dir; it is killed at cleanup.
func startWeedIn(t *testing.T, weed, dir string) *weedServer {
	t.Helper()
	s3conf := filepath.Join(dir, "s3.json")
	os.WriteFile(s3conf, []byte(`{"identities":[{"name":"quirk","credentials":[{"accessKey":"`+accessKey+`","secretKey":"`+secretKey+`"}],"actions":["Admin","Read","List","Write"]}]}`), 0o600)
	os.MkdirAll(filepath.Join(dir, "data"), 0o700)
	w := &weedServer{dir: dir, out: &bytes.Buffer{}}
	w.cmd = exec.Command(weed, "server", "-dir="+filepath.Join(dir, "data"), "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port=9333", "-volume.port=8080", "-filer", "-filer.port=8888", "-s3", fmt.Sprintf("-s3.port=%d", s3Port),
		"-s3.config="+s3conf, "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.volumeSizeLimitMB=64", "-volume.max=4")
	w.cmd.Dir = dir
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.stop(t) })
	for start := time.Now(); ; time.Sleep(200 * time.Millisecond) {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s3Port))
		if err == nil {
			c.Close()
			return w
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("weed's S3 port never opened:\n%s", w.log())
		}
	}
}

func (w *weedServer) stop(t *testing.T) {
	if w.cmd == nil || w.cmd.Process == nil || w.cmd.ProcessState != nil {
		return
	}
	w.cmd.Process.Kill()
	w.cmd.Wait()
	// The ports must be free again before a restart.
	for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(100 * time.Millisecond) {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s3Port))
		if err != nil {
			return
		}
		c.Close()
	}
}

func (w *weedServer) log() string {
	s := w.out.String()
	if len(s) > 4000 {
		s = s[len(s)-4000:]
	}
	return s
}

// client is the test's own S3 client, built the way the Uploader builds
// its (path style, checksums only where required).
func (w *weedServer) client(t *testing.T, ak, sk string) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint:               aws.String(fmt.Sprintf("http://127.0.0.1:%d", s3Port)),
		UsePathStyle:               true,
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(ak, sk, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}
