package jsonenricher

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// FileOptions are SPO's auditLog* options for a file output.
type FileOptions struct {
	MaxSizeMB  int // rotate before the file would exceed it; <= 0: 100
	MaxBackups int // rotated files kept; 0: 10 unless MaxAgeDays is set
	MaxAgeDays int // rotated files older than this are removed; 0: never
	Now        func() time.Time
}

// File is an append-only output that rotates by size: the full file is
// renamed to <path>.<UTC time> and a new one started. Writes are whole:
// a line never straddles two files.
type File struct {
	path string
	opts FileOptions
	max  int64

	mu   sync.Mutex
	f    *os.File
	size int64
}

// OpenFile opens (appending) or creates path and its directory.
func OpenFile(path string, opts FileOptions) (*File, error) {
	if opts.MaxSizeMB <= 0 {
		opts.MaxSizeMB = 100
	}
	if opts.MaxBackups == 0 && opts.MaxAgeDays == 0 {
		opts.MaxBackups = 10
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	w := &File{path: path, opts: opts, max: int64(opts.MaxSizeMB) << 20}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return w, w.open()
}

func (w *File) open() error {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	w.f, w.size = f, st.Size()
	return nil
}

// Write appends p, rotating first when p would not fit.
func (w *File) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.size > 0 && w.size+int64(len(p)) > w.max {
		if err := w.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := w.f.Write(p)
	w.size += int64(n)
	return n, err
}

func (w *File) rotate() error {
	if err := w.f.Close(); err != nil {
		return err
	}
	// Nanoseconds keep two rotations within a second apart.
	backup := w.path + "." + w.opts.Now().UTC().Format("20060102T150405.000000000")
	if err := os.Rename(w.path, backup); err != nil {
		return fmt.Errorf("rotating %s: %w", w.path, err)
	}
	if err := w.open(); err != nil {
		return err
	}
	w.prune()
	return nil
}

// prune removes rotated files beyond MaxBackups (oldest first) and older
// than MaxAgeDays. Failing to remove one is not an error for the write.
func (w *File) prune() {
	backups, _ := filepath.Glob(w.path + ".*")
	backups = slices.DeleteFunc(backups, func(p string) bool { return strings.Contains(p[len(w.path)+1:], "/") })
	slices.Sort(backups) // the time suffix sorts oldest first
	if w.opts.MaxBackups > 0 && len(backups) > w.opts.MaxBackups {
		for _, p := range backups[:len(backups)-w.opts.MaxBackups] {
			_ = os.Remove(p)
		}
		backups = backups[len(backups)-w.opts.MaxBackups:]
	}
	if w.opts.MaxAgeDays > 0 {
		cutoff := w.opts.Now().Add(-time.Duration(w.opts.MaxAgeDays) * 24 * time.Hour)
		for _, p := range backups {
			if st, err := os.Stat(p); err == nil && st.ModTime().Before(cutoff) {
				_ = os.Remove(p)
			}
		}
	}
}

// Close closes the current file.
func (w *File) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Close()
}
