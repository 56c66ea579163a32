//go:build linux

package upload_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/quirkcheck/quirk/expand/testenv"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"golang.org/x/sys/unix"

	"github.com/quirkcheck/quirk/corehook"
	"github.com/quirkcheck/quirk/corehook/internal/synthcore"
	"github.com/quirkcheck/quirk/corehook/upload"
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
	s3 := startWeed(t, os.Getenv("QUIRK_WEED"))
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
	cl := s3.client(t, accessKey, secretKey)
	ctx := context.Background()
	for start := time.Now(); ; time.Sleep(300 * time.Millisecond) {
		err := cl.MakeBucket(ctx, "cores", minio.MakeBucketOptions{})
		if err == nil {
			break
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("SeaweedFS S3 not ready: %v\n%s", err, s3.log())
		}
	}
	// The S3 port and bucket API answer before a volume server has joined:
	// wait until an object can really be written.
	for start := time.Now(); ; time.Sleep(300 * time.Millisecond) {
		_, err := cl.PutObject(ctx, "cores", "ready/probe", strings.NewReader("ok"), 2, minio.PutObjectOptions{})
		if err == nil {
			break
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("SeaweedFS cannot store objects: %v\n%s", err, s3.log())
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
	s3.stop(t)
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
	s3 = startWeedIn(t, os.Getenv("QUIRK_WEED"), s3.dir)
	now = now.Add(time.Hour)
	for start := time.Now(); ; time.Sleep(500 * time.Millisecond) {
		n, _ := up.RunOnce(ctx)
		if st, _ := up.Spool.Stats(); st.Queued == 0 {
			break
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("jobs not uploaded after the server came back (%d this round)\n%s", n, s3.log())
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

func get(t *testing.T, cl *minio.Client, key string) []byte {
	t.Helper()
	o, err := cl.GetObject(context.Background(), "cores", key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	return b
}

func getZstd(t *testing.T, cl *minio.Client, key string) []byte {
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

func count(t *testing.T, cl *minio.Client, prefix string) int {
	n := 0
	for o := range cl.ListObjects(context.Background(), "cores", minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		n++
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

func (w *weedServer) client(t *testing.T, ak, sk string) *minio.Client {
	cl, err := minio.New(fmt.Sprintf("127.0.0.1:%d", s3Port), &minio.Options{Creds: credentials.NewStaticV4(ak, sk, "")})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}
