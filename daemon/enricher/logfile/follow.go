package logfile

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// Follow calls fn with every complete line appended to path from the
// moment it is called (fromStart: from the file's beginning) until ctx
// ends, with its line number: counted from the file's start (or from
// where following began), and again from 1 after rotation or truncation. It polls every poll interval: auditd writes in bursts, and
// polling works on every filesystem, unlike inotify on some overlays.
//
// A path that does not exist yet is waited for, as `tail -F` does, and
// read from its start once it appears (all of it is new). On a node the
// log enricher may well start before auditd has written its log (auditd
// started later, or installed later); failing there made the enricher
// crash-loop until it did, and miss what was logged during the back-off.
func Follow(ctx context.Context, path string, fromStart bool, poll time.Duration, fn func(n int, line string)) error {
	f, err := os.Open(path)
	for errors.Is(err, os.ErrNotExist) {
		fromStart = true
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
		f, err = os.Open(path)
	}
	if err != nil {
		return err
	}
	if !fromStart {
		if _, err := f.Seek(0, io.SeekEnd); err != nil {
			f.Close()
			return err
		}
	}
	fl := &follower{path: path, f: f, r: bufio.NewReader(f), fn: fn}
	defer func() { fl.f.Close() }()
	for {
		if err := fl.drain(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
		if err := fl.reopenIfRotated(); err != nil {
			return err
		}
	}
}

type follower struct {
	path string
	f    *os.File
	r    *bufio.Reader
	// partial is the text after the last newline, kept until its line
	// ends; a []byte, since a line may arrive in many pieces and adding
	// to a string copies it every time (quadratic, found by the fuzzer).
	partial []byte
	n       int // lines delivered from the current file
	fn      func(int, string)
}

// drain reads every complete line available now.
func (fl *follower) drain() error {
	for {
		s, err := fl.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			fl.partial = append(fl.partial, s...)
			continue
		}
		fl.partial = append(fl.partial, s...)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		fl.n++
		fl.fn(fl.n, string(bytes.TrimSuffix(fl.partial, []byte("\n"))))
		fl.partial = fl.partial[:0]
	}
}

// reopenIfRotated switches to a new file at path (rotation) after reading
// what was left in the old one, and rewinds after a truncation. While
// path is missing (between rename and create) it keeps the old file.
func (fl *follower) reopenIfRotated() error {
	cur, err := fl.f.Stat()
	if err != nil {
		return err
	}
	st, err := os.Stat(fl.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if os.SameFile(cur, st) {
		return fl.rewindIfTruncated(cur)
	}
	if err := fl.drain(); err != nil {
		return err
	}
	nf, err := os.Open(fl.path)
	if err != nil {
		return err
	}
	fl.f.Close()
	fl.f, fl.r, fl.partial, fl.n = nf, bufio.NewReader(nf), fl.partial[:0], 0
	return nil
}

func (fl *follower) rewindIfTruncated(cur os.FileInfo) error {
	pos, err := fl.f.Seek(0, io.SeekCurrent)
	if err != nil || cur.Size() >= pos {
		return err
	}
	if _, err := fl.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	fl.r.Reset(fl.f)
	fl.partial, fl.n = fl.partial[:0], 0
	return nil
}
