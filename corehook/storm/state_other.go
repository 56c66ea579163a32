//go:build !linux || !(amd64 || arm64)

package storm

import "errors"

// State is unavailable here: the shared lock needs Linux robust futexes.
type State struct{}

// Crash identifies one crash to Admit.
type Crash struct {
	PID  int
	UID  uint32
	Comm string
	Sig  [16]byte
}

// Open returns errors.ErrUnsupported.
func Open(cfg Config, log func(string)) (*State, error) { return nil, errors.ErrUnsupported }

// Close does nothing.
func (s *State) Close() error { return nil }

// Admit returns errors.ErrUnsupported.
func (s *State) Admit(c Crash) (Decision, []Reaped, error) {
	return Decision{}, nil, errors.ErrUnsupported
}

// Done returns errors.ErrUnsupported.
func (s *State) Done(o Outcome) error { return errors.ErrUnsupported }

// Locked returns errors.ErrUnsupported.
func (s *State) Locked(fn func() error) error { return errors.ErrUnsupported }

// Counters returns errors.ErrUnsupported.
func (s *State) Counters() (Counters, error) { return Counters{}, errors.ErrUnsupported }

// TakeReaped returns nothing on this system.
func (s *State) TakeReaped() []Reaped { return nil }
