package nodefs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFileAtomic makes path hold exactly data with the given mode. It reports
// changed=false, without writing, when the file already matches, so that
// repeated reconciles neither wear the disk nor bump the mtime a runtime or an
// administrator may watch. Parent directories are created with mode 0755.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) (changed bool, err error) {
	same, err := hasContent(path, data, mode)
	if err != nil {
		return false, err
	}
	if same {
		return false, nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("creating directory for %s: %w", path, err)
	}
	if err := replace(path, data, mode); err != nil {
		return false, err
	}
	if err := syncDir(dir); err != nil {
		return true, err
	}
	return true, nil
}

// hasContent reports whether path is a regular file with exactly data and
// mode. A symlink or directory never matches, so it gets replaced by a regular
// file rather than written through.
func hasContent(path string, data []byte, mode os.FileMode) (bool, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("checking %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() || fi.Mode() != mode || fi.Size() != int64(len(data)) {
		return false, nil
	}
	current, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", path, err)
	}
	return bytes.Equal(current, data), nil
}

// replace writes data to a temporary file next to path and renames it over
// path; the temporary file is removed on any failure.
func replace(path string, data []byte, mode os.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".spo-*.tmp")
	if err != nil {
		return fmt.Errorf("creating temporary file for %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	// Without the fsync a crash after the rename could leave an empty file
	// under the final name on filesystems that reorder metadata and data.
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmp.Name(), err)
	}
	// Chmod rather than relying on CreateTemp's 0600 and the umask: the
	// runtime reading the file may run as another user.
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("setting mode of %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("renaming %s to %s: %w", tmp.Name(), path, err)
	}
	return nil
}

// RemoveFile deletes path. A file that does not exist is not an error
// (removed=false), so a retried removal succeeds.
func RemoveFile(path string) (removed bool, err error) {
	err = os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("removing %s: %w", path, err)
	}
	return true, syncDir(filepath.Dir(path))
}

// syncDir makes a rename or removal in dir durable: the directory entry lives
// in the directory, not in the file.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("opening directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}
