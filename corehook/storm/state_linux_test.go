//go:build linux && (amd64 || arm64)

package storm

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestMain doubles as the helper process: STORM_HELPER=<mode> runs one handler's part and exits.
func TestMain(m *testing.M) {
	if mode := os.Getenv("STORM_HELPER"); mode != "" {
		os.Exit(helperMain(mode))
	}
	os.Exit(m.Run())
}

func testConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.Path = filepath.Join(t.TempDir(), "run", "corehook.state")
	cfg.Burst, cfg.Rate, cfg.DedupKeep = 1000, 0, 0
	cfg.SlotWait, cfg.LockWait = 5*time.Second, 10*time.Second
	return cfg
}

func sig(s string) [16]byte {
	h := sha256.Sum256([]byte(s))
	return [16]byte(h[:16])
}

// helperMain runs in a child: STORM_PATH, STORM_WRITERS configure it.
func helperMain(mode string) int {
	cfg := DefaultConfig()
	cfg.Path = os.Getenv("STORM_PATH")
	cfg.Burst, cfg.Rate, cfg.DedupKeep = 1000, 0, 0
	cfg.Writers, _ = strconv.Atoi(os.Getenv("STORM_WRITERS"))
	cfg.SlotWait = 5 * time.Second
	s, err := Open(cfg, func(l string) { fmt.Fprintln(os.Stderr, l) })
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	die := func() { syscall.Kill(os.Getpid(), syscall.SIGKILL) }
	c := Crash{PID: os.Getpid(), Comm: "helper", Sig: sig(os.Getenv("STORM_SIG"))}
	switch mode {
	case "die-in-update": // killed with the body half updated, before its checksum
		testHookInUpdate = die
		s.Admit(c)
	case "hold": // admitted with a writer slot, then waits to be killed
		d, _, err := s.Admit(c)
		fmt.Printf("admitted %v %v\n", d.Full, err)
		time.Sleep(time.Minute)
	case "die-admitted": // dies between Admit and Done, holding its writer slot
		s.Admit(c)
		die()
	case "crash": // one normal handler
		d, _, err := s.Admit(c)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		o := MetadataOnly
		if d.Full {
			o = Stored
			time.Sleep(time.Millisecond)
		}
		if err := s.Done(o); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	s.Close()
	return 0
}

func helper(t *testing.T, cfg Config, mode, signature string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "STORM_HELPER="+mode, "STORM_PATH="+cfg.Path,
		"STORM_WRITERS="+strconv.Itoa(cfg.Writers), "STORM_SIG="+signature)
	cmd.Stderr = os.Stderr
	return cmd
}

func open(t *testing.T, cfg Config) (*State, *[]string) {
	t.Helper()
	var logs []string
	s, err := Open(cfg, func(l string) { logs = append(logs, l) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, &logs
}

func counters(t *testing.T, s *State) Counters {
	t.Helper()
	c, err := s.Counters()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateAndShare(t *testing.T) {
	cfg := testConfig(t)
	a, logs := open(t, cfg)
	if len(*logs) != 0 {
		t.Fatalf("a fresh file logged %q", *logs)
	}
	fi, err := os.Lstat(cfg.Path)
	if err != nil || fi.Mode() != 0o600 || fi.Size() != fileSize {
		t.Fatalf("state file %v %v", fi.Mode(), err)
	}
	b, _ := open(t, cfg)
	if d, _, err := b.Admit(Crash{PID: 1, Sig: sig("x")}); err != nil || !d.Full {
		t.Fatalf("Admit: %+v %v", d, err)
	}
	if c := counters(t, a); c.Received != 1 || c.InFlight != 1 {
		t.Fatalf("other handle sees %+v", c)
	}
	b.Done(Stored)
	if c := counters(t, a); c.Stored != 1 || c.InFlight != 0 || c.Rebuilt != 0 {
		t.Fatalf("after Done: %+v", c)
	}
}

func TestUntrustedFileIsRebuilt(t *testing.T) {
	cases := map[string]func(t *testing.T, path string){
		"garbage": func(t *testing.T, path string) {
			os.WriteFile(path, []byte(strings.Repeat("QKSTORM\x00", fileSize/8)), 0o600)
		},
		"world-writable": func(t *testing.T, path string) {
			os.Chmod(path, 0o666)
		},
		"other boot": func(t *testing.T, path string) {
			f, _ := os.OpenFile(path, os.O_RDWR, 0)
			f.WriteAt([]byte{0xde, 0xad}, int64(unsafe.Offsetof(header{}.BootID)))
			f.Close()
		},
		"short": func(t *testing.T, path string) { os.Truncate(path, 4096) },
		"symlink": func(t *testing.T, path string) {
			victim := filepath.Join(filepath.Dir(path), "victim")
			os.WriteFile(victim, []byte("keep me"), 0o600)
			os.Remove(path)
			os.Symlink(victim, path)
		},
		"hardlink": func(t *testing.T, path string) {
			os.Link(path, path+".extra")
		},
		"body scribbled": func(t *testing.T, path string) {
			f, _ := os.OpenFile(path, os.O_RDWR, 0)
			f.WriteAt([]byte{0xff, 0xff, 0xff}, offBody)
			f.Close()
		},
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t)
			s, _ := open(t, cfg)
			s.Admit(Crash{PID: 1, Sig: sig("a")})
			s.Done(Stored)
			s.Close()
			spoil(t, cfg.Path)
			s2, logs := open(t, cfg)
			c := counters(t, s2)
			if c.Rebuilt != 1 || c.Stored != 0 || len(*logs) != 1 {
				t.Fatalf("after spoiling: %+v, logs %q", c, *logs)
			}
			if fi, err := os.Lstat(cfg.Path); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
				t.Fatalf("rebuilt file: %v %v", fi.Mode(), err)
			}
			if b, err := os.ReadFile(filepath.Join(filepath.Dir(cfg.Path), "victim")); err == nil && string(b) != "keep me" {
				t.Fatalf("the symlink's target was written: %q", b)
			}
		})
	}
}

func TestDedupAndBucket(t *testing.T) {
	cfg := testConfig(t)
	cfg.DedupKeep, cfg.DedupWindow = 2, time.Hour
	cfg.Burst, cfg.Rate = 3, 0
	s, _ := open(t, cfg)
	var got []string
	for _, k := range []string{"a", "a", "a", "a", "b", "c", "d"} {
		d, _, err := s.Admit(Crash{PID: 1, Sig: sig(k)})
		if err != nil {
			t.Fatal(err)
		}
		r := "full"
		if !d.Full {
			r = d.Reason
		}
		got = append(got, r)
		o := Stored
		if !d.Full {
			o = MetadataOnly
		}
		s.Done(o)
	}
	want := "full full deduplicated deduplicated full rate-limited rate-limited"
	if strings.Join(got, " ") != want {
		t.Fatalf("decisions %q\nwant      %q", strings.Join(got, " "), want)
	}
	c := counters(t, s)
	if c.Received != 7 || c.Stored != 3 || c.MetadataOnly != 4 || c.Deduplicated != 2 || c.RateLimited != 2 {
		t.Fatalf("counters %+v", c)
	}
}

func TestWriterSlotsBoundWriters(t *testing.T) {
	cfg := testConfig(t)
	cfg.Writers, cfg.SlotWait = 1, 200*time.Millisecond
	s, _ := open(t, cfg)
	h := helper(t, cfg, "hold", "h")
	out, _ := h.StdoutPipe()
	if err := h.Start(); err != nil {
		t.Fatal(err)
	}
	defer h.Process.Kill()
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	if !strings.HasPrefix(string(buf[:n]), "admitted true") {
		t.Fatalf("holder: %q", buf[:n])
	}
	d, _, err := s.Admit(Crash{PID: 1, Sig: sig("w")})
	if err != nil || d.Full || d.Reason != "no writer slot" {
		t.Fatalf("second writer: %+v %v", d, err)
	}
	s.Done(MetadataOnly)
	// The holder is SIGKILLed: its slot comes back, its crash is counted as dropped.
	h.Process.Kill()
	h.Wait()
	s2, _ := open(t, cfg)
	d, reaped, err := s2.Admit(Crash{PID: 2, Sig: sig("w2")})
	if err != nil || !d.Full || len(reaped) != 1 || reaped[0].HandlerPID != h.Process.Pid {
		t.Fatalf("after the holder died: %+v reaped %+v %v", d, reaped, err)
	}
	s2.Done(Stored)
	c := counters(t, s2)
	if c.Received != 3 || c.Stored != 1 || c.MetadataOnly != 1 || c.Dropped != 1 || c.HandlerDied != 1 || c.NoSlot != 1 || c.Repairs != 1 {
		t.Fatalf("counters %+v", c)
	}
}

func TestKilledMidUpdateRollsBack(t *testing.T) {
	cfg := testConfig(t)
	s, _ := open(t, cfg)
	s.Admit(Crash{PID: 1, Sig: sig("before")})
	s.Done(Stored)
	before := counters(t, s)
	h := helper(t, cfg, "die-in-update", "x")
	if err := h.Run(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("helper should die: %v", err)
	}
	after := counters(t, s)
	// Rolled back: nothing of the half update is left.
	if after.Received != before.Received || after.Dropped != before.Dropped || after.Repairs != 1 || after.InFlight != 0 {
		t.Fatalf("half update survived: before %+v after %+v", before, after)
	}
	if s.hdr.Journal != 0 {
		t.Fatal("journal left set")
	}
	// Its crash is still announced: the next Admit counts it and names it.
	_, reaped, err := s.Admit(Crash{PID: 2, Sig: sig("after")})
	if err != nil || len(reaped) != 1 || reaped[0].HandlerPID != h.Process.Pid || reaped[0].Comm != "helper" {
		t.Fatalf("the dead admit's crash is not named: %+v %v", reaped, err)
	}
	s.Done(Stored)
	final := counters(t, s)
	if final.Received != before.Received+2 || final.Dropped != 1 || final.HandlerDied != 1 || final.Stored != before.Stored+1 {
		t.Fatalf("after the next crash: %+v", final)
	}
}

// TestConcurrentHandlersWithDeaths: 40 handler processes at once, every 5th killed (half of
// them inside an update, half between Admit and Done with a writer slot). Afterwards every
// crash is accounted for exactly once.
func TestConcurrentHandlersWithDeaths(t *testing.T) {
	cfg := testConfig(t)
	cfg.Writers = 3
	s, _ := open(t, cfg)
	const n = 40
	var wg sync.WaitGroup
	killed := 0
	for i := range n {
		mode := "crash"
		switch i % 10 {
		case 4:
			mode, killed = "die-in-update", killed+1
		case 9:
			mode, killed = "die-admitted", killed+1
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := helper(t, cfg, mode, strconv.Itoa(i%7))
			err := h.Run()
			if (mode == "crash") != (err == nil) {
				t.Errorf("helper %d (%s): %v", i, mode, err)
			}
		}()
	}
	wg.Wait()
	// One more crash reaps the dead handlers' entries.
	if _, _, err := s.Admit(Crash{PID: 1, Sig: sig("last")}); err != nil {
		t.Fatal(err)
	}
	s.Done(Stored)
	c := counters(t, s)
	wantReceived := uint64(n + 1)
	if c.Received != wantReceived || c.Received != c.Stored+c.MetadataOnly+c.Dropped || c.InFlight != 0 {
		t.Fatalf("counters %+v, want %d received, all accounted", c, wantReceived)
	}
	if c.HandlerDied != uint64(killed) || c.Dropped != uint64(killed) || c.Repairs < uint64(killed/2) {
		t.Fatalf("counters %+v: want %d handler deaths, as many dropped, and a repair per death in an update", c, killed)
	}
}
