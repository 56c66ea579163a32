package netprobe

import (
	"bufio"
	"encoding/json"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
)

// WriteJSON writes r as JSON, the same document encoding/json produces from
// its struct tags, without reflection: a scan of 50,000 sockets spent more
// time in encoding/json than in the kernel. The output is indented like
// `quirk netprobe scan --json` prints it: one socket per line.
func (r *ScanResult) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	b := make([]byte, 0, 512)
	b = append(b, "{\n  \"source\": "...)
	b = appendString(b, r.Source)
	if len(r.Notes) > 0 {
		b = append(b, ",\n  \"notes\": ["...)
		for i, n := range r.Notes {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendString(b, n)
		}
		b = append(b, ']')
	}
	b = append(b, ",\n  \"sockets\": ["...)
	if workers := runtime.GOMAXPROCS(0); workers > 1 && len(r.Sockets) >= parallelJSONMin {
		bw.Write(b)
		b = b[:0]
		writeSocketsParallel(bw, r.Sockets, workers)
	} else {
		var e lineEncoder
		for i := range r.Sockets {
			b = e.appendLine(b, r.Sockets, i)
			if len(b) > 32<<10 {
				bw.Write(b)
				b = b[:0]
			}
		}
	}
	if len(r.Sockets) > 0 {
		b = append(b, "\n  "...)
	}
	b = append(b, "],\n  \"findings\": ["...)
	for i, f := range r.Findings {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    {"...)
		if f.Netns != "" {
			b = append(b, "\"netns\": "...)
			b = appendString(b, f.Netns)
			b = append(b, ", "...)
		}
		b = append(b, "\"kind\": "...)
		b = appendString(b, f.Kind)
		b = append(b, ", \"proto\": "...)
		b = appendString(b, f.Proto)
		b = append(b, ", \"port\": "...)
		b = strconv.AppendUint(b, uint64(f.Port), 10)
		b = append(b, ", \"detail\": "...)
		b = appendString(b, f.Detail)
		b = append(b, ", \"sockets\": ["...)
		for j := range f.Sockets {
			if j > 0 {
				b = append(b, ", "...)
			}
			b = appendSocket(b, &f.Sockets[j])
		}
		b = append(b, "]}"...)
	}
	if len(r.Findings) > 0 {
		b = append(b, "\n  "...)
	}
	b = append(b, "]\n}\n"...)
	bw.Write(b)
	return bw.Flush()
}

// lineEncoder appends socket lines (each on a line of its own, with the
// comma that separates it from the one before) and keeps the start of the
// last two ({"proto": …, "addr": …, "port": ): a big host's sockets share
// a few (protocol, address) pairs, often alternating port by port, and
// quoting them again for every socket made BenchmarkWriteJSON50k take
// 3.9 ms instead of 3.4 (medians, one core).
type lineEncoder struct {
	heads [2]socketHead
}

type socketHead struct {
	proto, addr string
	b           []byte
}

func (e *lineEncoder) appendLine(b []byte, socks []Socket, i int) []byte {
	if i > 0 {
		b = append(b, ',')
	}
	b = append(b, "\n    "...)
	s := &socks[i]
	b = append(b, e.head(s)...)
	return appendSocketTail(b, s)
}

// head returns the start of s's object, heads[0] being the last used.
func (e *lineEncoder) head(s *Socket) []byte {
	if h := &e.heads[0]; h.b != nil && h.proto == s.Proto && h.addr == s.Addr {
		return h.b
	}
	// The other one, or a new one in its place; either way it becomes
	// the last used.
	e.heads[0], e.heads[1] = e.heads[1], e.heads[0]
	if h := &e.heads[0]; h.b == nil || h.proto != s.Proto || h.addr != s.Addr {
		h.proto, h.addr, h.b = s.Proto, s.Addr, appendSocketHead(h.b[:0], s)
	}
	return e.heads[0].b
}

// parallelJSONMin is the number of sockets from which WriteJSON encodes on
// every core: encoding 50,000 sockets took 3-5 ms on one, the biggest part
// of a CLI scan's own work after the kernel's dump and the process start.
const parallelJSONMin = 8192

// jsonBlock is how many sockets one encoding step takes: its buffer (about
// 50 KB) is reused, so that few fresh pages are touched.
const jsonBlock = 512

// writeSocketsParallel encodes the socket lines in blocks on workers
// goroutines and writes the blocks in order. At most 2*workers blocks are
// encoded ahead of the writer, so a slow reader of the output does not
// make the encoders hold the whole document.
// jsonBlockTaken is called by an encoder that has taken block k; tests
// delay encoders there.
var jsonBlockTaken = func(k int) {}

func writeSocketsParallel(w io.Writer, socks []Socket, workers int) {
	blocks := (len(socks) + jsonBlock - 1) / jsonBlock
	done := make([]chan []byte, blocks)
	for k := range done {
		done[k] = make(chan []byte, 1)
	}
	free := make(chan []byte, 2*workers)
	for range 2 * workers {
		free <- make([]byte, 0, 64<<10)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var e lineEncoder
			for {
				// The buffer first, then the block: a block is
				// only ever taken by an encoder that can encode
				// it. Taken the other way round, an encoder could
				// hold the block the writer waits for while the
				// others had taken every buffer for later blocks,
				// and the writer waited forever.
				b := <-free
				k := int(next.Add(1)) - 1
				if k >= blocks {
					return
				}
				jsonBlockTaken(k)
				for i := k * jsonBlock; i < min((k+1)*jsonBlock, len(socks)); i++ {
					b = e.appendLine(b, socks, i)
				}
				done[k] <- b
			}
		})
	}
	for k := range done {
		b := <-done[k]
		w.Write(b)
		free <- b[:0]
	}
	wg.Wait()
}

func appendSocket(b []byte, s *Socket) []byte {
	return appendSocketTail(appendSocketHead(b, s), s)
}

// appendSocketHead appends the start of s's object, up to the port's
// value.
func appendSocketHead(b []byte, s *Socket) []byte {
	b = append(b, "{\"proto\": "...)
	b = appendString(b, s.Proto)
	b = append(b, ", \"addr\": "...)
	b = appendString(b, s.Addr)
	return append(b, ", \"port\": "...)
}

// appendSocketTail appends the rest of s's object, from the port's value.
func appendSocketTail(b []byte, s *Socket) []byte {
	b = strconv.AppendUint(b, uint64(s.Port), 10)
	if s.V6Only != nil {
		b = append(b, ", \"v6only\": "...)
		b = strconv.AppendBool(b, *s.V6Only)
	}
	if s.Interface != 0 {
		b = append(b, ", \"if\": "...)
		b = strconv.AppendUint(b, uint64(s.Interface), 10)
	}
	if s.Device != "" {
		b = append(b, ", \"dev\": "...)
		b = appendString(b, s.Device)
	}
	if s.DeviceUnknown {
		b = append(b, ", \"dev_unknown\": true"...)
	}
	if s.Peer != "" {
		b = append(b, ", \"peer\": "...)
		b = appendString(b, s.Peer)
	}
	if s.Netns != "" {
		b = append(b, ", \"netns\": "...)
		b = appendString(b, s.Netns)
	}
	b = append(b, ", \"uid\": "...)
	b = strconv.AppendInt(b, int64(s.UID), 10)
	if s.Inode != 0 {
		b = append(b, ", \"inode\": "...)
		b = strconv.AppendUint(b, s.Inode, 10)
	}
	if s.Cookie != 0 {
		b = append(b, ", \"cookie\": "...)
		b = strconv.AppendUint(b, s.Cookie, 10)
	}
	if len(s.Processes) > 0 {
		b = appendProcesses(b, s.Processes)
	}
	if s.ReuseAddr != nil {
		b = append(b, ", \"reuseaddr\": "...)
		b = strconv.AppendBool(b, *s.ReuseAddr)
	}
	if s.ReusePort != nil {
		b = append(b, ", \"reuseport\": "...)
		b = strconv.AppendBool(b, *s.ReusePort)
	}
	return append(b, '}')
}

func appendProcesses(b []byte, ps []Process) []byte {
	b = append(b, ", \"processes\": ["...)
	for i, p := range ps {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, "{\"pid\": "...)
		b = strconv.AppendInt(b, int64(p.PID), 10)
		if p.Command != "" {
			b = append(b, ", \"command\": "...)
			b = appendString(b, p.Command)
		}
		b = append(b, ", \"fd\": "...)
		b = strconv.AppendInt(b, int64(p.FD), 10)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendString appends s as a JSON string. Plain ASCII, which addresses and
// most command names are, is copied as is; anything else goes through
// encoding/json for correct escaping.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
