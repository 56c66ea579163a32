//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package netprobe

import (
	"errors"
	"net/netip"
)

func openSocket(string, netip.Addr, sockOpts, int) (*probeSocket, error) {
	return nil, errors.ErrUnsupported
}

func (s *probeSocket) bind(uint16) error     { return errors.ErrUnsupported }
func (s *probeSocket) listen() error         { return errors.ErrUnsupported }
func (s *probeSocket) close()                {}
func (s *probeSocket) port() (uint16, error) { return 0, errors.ErrUnsupported }
func errnoName(err error) string             { return err.Error() }

func countTCP(netip.Addr, uint16, int, []*probeSocket) ([]int, error) {
	return nil, errors.ErrUnsupported
}
func countUDP(netip.Addr, uint16, int, []*probeSocket) ([]int, error) {
	return nil, errors.ErrUnsupported
}
func makeTimeWait(netip.Addr, uint16, sockOpts, int) error { return errors.ErrUnsupported }

func socketV6Only(*probeSocket) bool { return true }
