package auditd

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// fileState is what a path was before auditd touched it.
type fileState struct {
	exists   bool
	mode     fs.FileMode
	uid, gid int
	size     int64
}

func statOf(path string) (fileState, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fileState{}, nil
	}
	if err != nil {
		return fileState{}, err
	}
	st := fileState{exists: true, mode: fi.Mode().Perm(), size: fi.Size()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.uid, st.gid = int(sys.Uid), int(sys.Gid)
	}
	return st, nil
}

// keepHostLog notes the state of a host log file and its directory, and
// returns the function that puts them back once auditd has stopped.
func keepHostLog(t TB, logFile string) func() {
	t.Helper()
	dir := filepath.Dir(logFile)
	dirBefore, err := statOf(dir)
	if err != nil {
		t.Fatalf("auditd log directory: %v", err)
	}
	fileBefore, err := statOf(logFile)
	if err != nil {
		t.Fatalf("auditd log: %v", err)
	}
	if !dirBefore.exists {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatalf("auditd log directory: %v", err)
		}
	}
	return func() {
		var errs []error
		if fileBefore.exists {
			// What auditd appended goes; what was there stays.
			errs = append(errs, os.Truncate(logFile, fileBefore.size), os.Chmod(logFile, fileBefore.mode),
				os.Chown(logFile, fileBefore.uid, fileBefore.gid))
		} else if err := os.Remove(logFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
		if dirBefore.exists {
			errs = append(errs, os.Chmod(dir, dirBefore.mode), os.Chown(dir, dirBefore.uid, dirBefore.gid))
		} else {
			errs = append(errs, os.Remove(dir))
		}
		if err := errors.Join(errs...); err != nil {
			t.Errorf("giving back auditd's log %s as found: %v", logFile, err)
		}
	}
}
