//go:build unix

package corehook

import "log/syslog"

func openSyslog() (func(string), func(), error) {
	w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_NOTICE, "quirk-corehook")
	if err != nil {
		return nil, nil, err
	}
	return func(s string) { w.Notice(s) }, func() { w.Close() }, nil
}
