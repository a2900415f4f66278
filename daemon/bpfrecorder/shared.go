package bpfrecorder

import (
	"errors"
	"sync"
)

// Shared attaches the recorder only while someone records: the first
// Acquire loads it, the last Release closes it (dropping uncollected data).
type Shared struct {
	Options Options

	mu   sync.Mutex
	rec  *Recorder
	refs int
}

// Acquire returns the loaded recorder, loading it on first use.
func (s *Shared) Acquire() (*Recorder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec == nil {
		rec, err := Load(s.Options)
		if err != nil {
			return nil, err
		}
		s.rec = rec
	}
	s.refs++
	return s.rec, nil
}

// Release drops one reference; the last one closes the recorder.
func (s *Shared) Release() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == 0 {
		return errors.New("bpfrecorder: Release without Acquire")
	}
	s.refs--
	if s.refs > 0 {
		return nil
	}
	rec := s.rec
	s.rec = nil
	return rec.Close()
}

// Users is the number of outstanding Acquires.
func (s *Shared) Users() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refs
}
