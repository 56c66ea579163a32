package corehook

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// serveLog returns the server's line logger: stderr (which systemd sends
// to the journal), or syslog. Crasher-chosen text (comm) is made printable.
func serveLog(stderr io.Writer, useSyslog bool) (func(string), func(), error) {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r < ' ' || r == 0x7f {
				return '?'
			}
			return r
		}, s)
	}
	if useSyslog {
		notice, closeSyslog, err := openSyslog()
		if err != nil {
			return nil, nil, fmt.Errorf("syslog: %w", err)
		}
		return func(s string) { notice(clean(s)) }, closeSyslog, nil
	}
	var mu sync.Mutex
	return func(s string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(stderr, "%s quirk corehook serve: %s\n", time.Now().UTC().Format(time.RFC3339), clean(s))
	}, func() {}, nil
}
