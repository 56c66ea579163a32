package corehook

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/quirkcheck/quirk/corehook/storm"
)

// Size is a byte count or a percentage of the store's file system.
type Size struct {
	Bytes   uint64
	Percent float64 // used when > 0
}

// Of resolves s against a file system of total bytes.
func (s Size) Of(total uint64) uint64 {
	if s.Percent > 0 {
		return uint64(float64(total) * s.Percent / 100)
	}
	return s.Bytes
}

func (s Size) String() string {
	if s.Percent > 0 {
		return strconv.FormatFloat(s.Percent, 'f', -1, 64) + "%"
	}
	return strconv.FormatUint(s.Bytes, 10)
}

// Unlimited is the largest size.
var Unlimited = Size{Bytes: ^uint64(0)}

// Config is the handler's configuration. Keys share systemd's coredump.conf
// names where the meaning is the same.
type Config struct {
	Store string
	// Compress selects zstd (true) or sparse raw files (false).
	// CompressAfter ("Compress = after") streams raw sparse, releases the
	// crasher, commits the raw core, and only then compresses it (at a
	// better level than the streaming encoder's): the crasher waits for
	// the disk alone, and a handler that dies while compressing leaves
	// the raw core, complete and on record.
	Compress      bool
	CompressAfter bool
	// ProcessSizeMax: cores larger than this are not stored, only described.
	ProcessSizeMax Size
	// ExternalSizeMax: the most a stored core file may take on disk.
	ExternalSizeMax Size
	// MaxUse and KeepFree bound the whole store; MaxUsePerUID bounds one uid.
	MaxUse       Size
	KeepFree     Size
	MaxUsePerUID Size
	// HonorCoreLimit makes the crasher's RLIMIT_CORE (%c) cap the stored size,
	// as systemd's docs/COREDUMP.md asks of alternative handlers.
	HonorCoreLimit bool
	// KeepPrevious also writes the core where the previous file pattern
	// would have put it, or pipes it to the previous pipe handler.
	KeepPrevious bool
	// Log is a file to append one line per crash to; "" means syslog.
	Log string
	// DumpTimeMax and DumpZerosMax are the per-dump budget: past either
	// the handler stops reading, which releases the crasher and its
	// core_pipe_limit slot, and keeps the core truncated with the reason.
	// A zero bomb (a huge untouched mapping) sends GiBs of zeros from a
	// few KiB of memory; a stalled write holds the slot indefinitely.
	DumpTimeMax  time.Duration
	DumpZerosMax Size
	// Sync fsyncs each core before its rename. Off by default, like the
	// kernel's own file dumps: a power cut may lose the newest core, but
	// never leaves a half-written one under its final name.
	Sync bool

	// Upload is "s3://bucket/prefix": stored cores and sidecars are queued
	// in <store>/upload and shipped by the uploader (serve, or "quirk
	// corehook upload"), never by the handler itself.
	Upload            string
	UploadEndpoint    string // host:port of the S3 API
	UploadRegion      string
	UploadCredentials string // file with access_key = … and secret_key = …
	UploadInsecure    bool   // plain http (a loopback or private endpoint)
	UploadSpoolMax    int    // queued uploads at most (1000)

	// Warnings are keys that were ignored: coredump.conf's own keys that
	// have no meaning here (Storage=, JournalSizeMax=), or unknown ones.
	// A config written for systemd-coredump must not stop the handler.
	Warnings []string
	// Storm is crash-storm control (corehook/storm), shared by concurrent
	// handlers through a state file. Its Path (StormState) defaults to
	// storm.DefaultPath for the default store and to off for any other, so
	// separate stores never share counters and quotas unless configured.
	Storm storm.Config
	// stormPathSet records an explicit StormState line.
	stormPathSet bool
}

// StormConfig is the storm control configuration for this store: the
// default state file only governs the default store.
func (c Config) StormConfig() storm.Config {
	sc := c.Storm
	if !c.stormPathSet && c.Store != DefaultStore {
		sc.Path = ""
	}
	return sc
}

// coredumpConfOnly are coredump.conf keys quirk reads past with a warning.
var coredumpConfOnly = map[string]bool{"storage": true, "journalsizemax": true, "enternamespace": true}

// DefaultConfigValues returns the configuration used without a config file.
// The sizes follow coredump.conf's defaults.
func DefaultConfigValues() Config {
	return Config{
		Store:           DefaultStore,
		Compress:        true,
		ProcessSizeMax:  Size{Bytes: 32 << 30},
		ExternalSizeMax: Size{Bytes: 32 << 30},
		MaxUse:          Size{Percent: 10},
		KeepFree:        Size{Percent: 15},
		MaxUsePerUID:    Size{Percent: 100},
		// A real core of 32 GiB streams in well under two minutes here;
		// 8 GiB of zero pages is more than any core worth debugging
		// carries, and takes about 13 s to read.
		DumpTimeMax:  120 * time.Second,
		DumpZerosMax: Size{Bytes: 8 << 30},
		Storm:        storm.DefaultConfig(),
	}
}

// LoadConfig reads path; a missing file at the default location gives the
// defaults, a missing file named explicitly is an error. The Config is
// usable even with an error: the defaults, with every valid line applied
// (the handler stores a crash with it rather than lose the crash).
func LoadConfig(path string) (Config, error) {
	explicit := path != ""
	if path == "" {
		path = DefaultConfig
	}
	f, err := os.Open(path)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return DefaultConfigValues(), nil
		}
		return DefaultConfigValues(), err
	}
	defer f.Close()
	c, err := ParseConfig(f)
	if err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig reads "Key = value" lines; '#' and ';' start comments and
// "[Section]" headers are ignored, so a coredump.conf-style file works.
// A bad line is reported and skipped: the returned Config holds the
// defaults and every valid line.
func ParseConfig(r io.Reader) (Config, error) {
	c := DefaultConfigValues()
	sc := bufio.NewScanner(r)
	line := 0
	var errs []error
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' || text[0] == ';' || text[0] == '[' {
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		if !ok {
			errs = append(errs, fmt.Errorf("line %d: want Key = value, got %q", line, text))
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		var err error
		before := c
		switch strings.ToLower(key) {
		case "store":
			if !strings.HasPrefix(value, "/") {
				err = fmt.Errorf("store %q is not absolute", value)
			}
			c.Store = value
		case "compress":
			c.CompressAfter = strings.EqualFold(value, "after")
			if c.CompressAfter {
				c.Compress = true
			} else {
				c.Compress, err = parseBool(value)
			}
		case "processsizemax":
			c.ProcessSizeMax, err = parseSize(value, false)
		case "externalsizemax":
			c.ExternalSizeMax, err = parseSize(value, false)
		case "maxuse":
			c.MaxUse, err = parseSize(value, true)
		case "keepfree":
			c.KeepFree, err = parseSize(value, true)
		case "maxuseperuid":
			c.MaxUsePerUID, err = parseSize(value, true)
		case "honorcorelimit", "honourcorelimit":
			c.HonorCoreLimit, err = parseBool(value)
		case "previous":
			switch value {
			case "keep":
				c.KeepPrevious = true
			case "ignore":
				c.KeepPrevious = false
			default:
				err = fmt.Errorf("previous must be keep or ignore, not %q", value)
			}
		case "log":
			c.Log = value
		case "dumptimemax":
			c.DumpTimeMax, err = parseDuration(value)
		case "dumpzerosmax":
			c.DumpZerosMax, err = parseSize(value, false)
		case "sync":
			c.Sync, err = parseBool(value)
		case "upload":
			if value != "" && !strings.HasPrefix(value, "s3://") {
				err = fmt.Errorf("upload %q: want s3://bucket/prefix", value)
			}
			c.Upload = value
		case "uploadendpoint":
			c.UploadEndpoint = value
		case "uploadregion":
			c.UploadRegion = value
		case "uploadcredentials":
			c.UploadCredentials = value
		case "uploadinsecure":
			c.UploadInsecure, err = parseBool(value)
		case "uploadspoolmax":
			c.UploadSpoolMax, err = strconv.Atoi(value)
		case "stormstate":
			switch {
			case value == "off":
				c.Storm.Path, c.stormPathSet = "", true
			case strings.HasPrefix(value, "/"):
				c.Storm.Path, c.stormPathSet = value, true
			default:
				err = fmt.Errorf("stormstate %q is neither off nor absolute", value)
			}
		case "stormburst":
			c.Storm.Burst, err = parseCount(value)
		case "stormrate":
			c.Storm.Rate, err = strconv.ParseFloat(value, 64)
			if err == nil && (c.Storm.Rate < 0 || math.IsNaN(c.Storm.Rate) || math.IsInf(c.Storm.Rate, 0)) {
				err = fmt.Errorf("stormrate %q is not a rate per second", value)
			}
		case "stormdedup":
			c.Storm.DedupKeep, err = parseCount(value)
		case "stormdedupwindow":
			c.Storm.DedupWindow, err = parseDuration(value)
		case "stormwriters":
			c.Storm.Writers, err = parseCount(value)
			if err == nil && (c.Storm.Writers < 1 || c.Storm.Writers > 16) {
				err = fmt.Errorf("stormwriters %q: want 1..16", value)
			}
		case "stormslotwait":
			c.Storm.SlotWait, err = parseDuration(value)
			if err == nil && c.Storm.SlotWait == 0 {
				err = fmt.Errorf("stormslotwait %q: the wait must be bounded", value)
			}
		default:
			if coredumpConfOnly[strings.ToLower(key)] {
				c.Warnings = append(c.Warnings, fmt.Sprintf("line %d: %s= is a systemd-coredump setting with no meaning here; ignored", line, key))
			} else {
				c.Warnings = append(c.Warnings, fmt.Sprintf("line %d: unknown key %q ignored", line, key))
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", line, err))
			c = before // a bad value leaves the default
		}
	}
	return c, errors.Join(append(errs, sc.Err())...)
}

// parseCount is a non-negative integer.
func parseCount(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a count", v)
	}
	return n, nil
}

// parseDuration takes Go durations ("90s", "2m") or plain seconds;
// "infinity" is no limit.
func parseDuration(v string) (time.Duration, error) {
	if v == "infinity" {
		return 0, nil
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration (90s, 2m, or seconds)", v)
	}
	return d, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "yes", "true", "on", "1":
		return true, nil
	case "no", "false", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (yes/no)", v)
}

// parseSize accepts bytes with an optional K/M/G/T/P/E suffix (powers of
// 1024, as coredump.conf), "infinity", and, where allowed, a percentage.
func parseSize(v string, percentOK bool) (Size, error) {
	if v == "infinity" {
		return Unlimited, nil
	}
	if p, ok := strings.CutSuffix(v, "%"); ok {
		if !percentOK {
			return Size{}, fmt.Errorf("%q: a percentage is not allowed here", v)
		}
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 || f > 100 {
			return Size{}, fmt.Errorf("%q is not a percentage in (0, 100]", v)
		}
		return Size{Percent: f}, nil
	}
	mult := uint64(1)
	if n := len(v); n > 0 {
		if i := strings.IndexByte("KMGTPE", v[n-1]&^0x20); i >= 0 {
			mult = 1 << (10 * (i + 1))
			v = v[:n-1]
		}
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return Size{}, fmt.Errorf("%q is not a size", v)
	}
	if n > ^uint64(0)/mult {
		return Unlimited, nil
	}
	return Size{Bytes: n * mult}, nil
}
