package nodefs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteFileAtomic(t *testing.T) {
	type step struct {
		data        string
		mode        os.FileMode
		wantChanged bool
	}
	tests := map[string]struct {
		prepare func(t *testing.T, path string)
		steps   []step
	}{
		"creates a missing file and its parent directories": {
			steps: []step{{data: "a", mode: 0o644, wantChanged: true}},
		},
		"leaves a file with the same content and mode alone": {
			steps: []step{
				{data: "a", mode: 0o644, wantChanged: true},
				{data: "a", mode: 0o644, wantChanged: false},
			},
		},
		"rewrites a file whose content differs": {
			steps: []step{
				{data: "a", mode: 0o644, wantChanged: true},
				{data: "b", mode: 0o644, wantChanged: true},
			},
		},
		"rewrites a file whose content differs only beyond a shared prefix of equal length": {
			steps: []step{
				{data: "ab", mode: 0o644, wantChanged: true},
				{data: "ac", mode: 0o644, wantChanged: true},
			},
		},
		"rewrites a file whose mode differs": {
			steps: []step{
				{data: "a", mode: 0o600, wantChanged: true},
				{data: "a", mode: 0o644, wantChanged: true},
			},
		},
		"writes an empty file": {
			steps: []step{
				{data: "", mode: 0o644, wantChanged: true},
				{data: "", mode: 0o644, wantChanged: false},
			},
		},
		"replaces a symlink instead of writing through it": {
			prepare: func(t *testing.T, path string) {
				victim := filepath.Join(t.TempDir(), "victim")
				mustWrite(t, victim, "a")
				mustMkdirAll(t, filepath.Dir(path))
				if err := os.Symlink(victim, path); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					if got := mustRead(t, victim); got != "a" {
						t.Errorf("symlink target was written: %q", got)
					}
				})
			},
			steps: []step{{data: "a", mode: 0o644, wantChanged: true}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "seccomp", "operator", "p.json")
			if tc.prepare != nil {
				tc.prepare(t, path)
			}
			for i, s := range tc.steps {
				changed, err := WriteFileAtomic(path, []byte(s.data), s.mode)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if changed != s.wantChanged {
					t.Fatalf("step %d: changed = %v, want %v", i, changed, s.wantChanged)
				}
				assertFile(t, path, s.data, s.mode)
			}
			assertNoTempFiles(t, filepath.Dir(path))
		})
	}
}

func TestWriteFileAtomicKeepsMtimeWhenUnchanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.json")
	if _, err := WriteFileAtomic(path, []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFileAtomic(path, []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().Equal(old) {
		t.Fatalf("mtime changed from %v to %v", old, fi.ModTime())
	}
}

func TestWriteFileAtomicFailures(t *testing.T) {
	tests := map[string]struct {
		prepare func(t *testing.T, dir string) string
		wantErr string
	}{
		"fails when the target is a directory and leaves no temporary file": {
			prepare: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "p.json")
				mustMkdirAll(t, filepath.Join(path, "child"))
				return path
			},
			wantErr: "renaming",
		},
		"fails when the parent is a file": {
			prepare: func(t *testing.T, dir string) string {
				mustWrite(t, filepath.Join(dir, "file"), "x")
				return filepath.Join(dir, "file", "p.json")
			},
			wantErr: "not a directory",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := tc.prepare(t, dir)
			changed, err := WriteFileAtomic(path, []byte("a"), 0o644)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			}
			if changed {
				t.Fatal("changed = true on failure")
			}
			assertNoTempFiles(t, dir)
		})
	}
}

func TestRemoveFile(t *testing.T) {
	tests := map[string]struct {
		exists      bool
		wantRemoved bool
	}{
		"removes an existing file":          {exists: true, wantRemoved: true},
		"treats a missing file as no error": {exists: false, wantRemoved: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.json")
			if tc.exists {
				mustWrite(t, path, "a")
			}
			removed, err := RemoveFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if removed != tc.wantRemoved {
				t.Fatalf("removed = %v, want %v", removed, tc.wantRemoved)
			}
			if _, err := os.Lstat(path); !os.IsNotExist(err) {
				t.Fatalf("file still there: %v", err)
			}
		})
	}
}

func TestRemoveFileReportsOtherErrors(t *testing.T) {
	dir := t.TempDir()
	mustMkdirAll(t, filepath.Join(dir, "p.json", "child"))
	if _, err := RemoveFile(filepath.Join(dir, "p.json")); err == nil {
		t.Fatal("removing a non-empty directory succeeded")
	}
}

func assertFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != mode {
		t.Fatalf("mode = %v, want %v", fi.Mode(), mode)
	}
	if got := mustRead(t, path); got != data {
		t.Fatalf("content = %q, want %q", got, data)
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(filepath.Base(p), ".spo-") {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustMkdirAll(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}
