//go:build !unix

package corehook

import "errors"

func openSyslog() (func(string), func(), error) {
	return nil, nil, errors.New("no syslog on this system")
}
