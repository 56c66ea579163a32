package netprobe

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
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
	b = append(b, ",\n  \"sockets\": ["...)
	for i := range r.Sockets {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    "...)
		b = appendSocket(b, &r.Sockets[i])
		if len(b) > 32<<10 {
			bw.Write(b)
			b = b[:0]
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
		b = append(b, "\n    {\"kind\": "...)
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

func appendSocket(b []byte, s *Socket) []byte {
	b = append(b, "{\"proto\": "...)
	b = appendString(b, s.Proto)
	b = append(b, ", \"addr\": "...)
	b = appendString(b, s.Addr)
	b = append(b, ", \"port\": "...)
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
