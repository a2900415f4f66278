package jsonenricher

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFileRotatesBySizeAndKeepsMaxBackups(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "logs", "exec.log")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f, err := OpenFile(path, FileOptions{MaxSizeMB: 1, MaxBackups: 2, Now: func() time.Time { now = now.Add(time.Second); return now }})
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("x", 300<<10) + "\n" // four lines do not fit in 1 MiB
	for i := 0; i < 10; i++ {
		if _, err := f.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	backups, _ := filepath.Glob(path + ".*")
	if len(backups) != 2 {
		t.Fatalf("%d backups, want 2: %v", len(backups), backups)
	}
	for _, p := range append(backups, path) {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) > 1<<20 || len(raw)%len(line) != 0 {
			t.Fatalf("%s: %d bytes: over the limit or a split line", p, len(raw))
		}
	}
}

func TestFileAppendsToAnExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "exec.log")
	if err := os.WriteFile(path, []byte("old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(path, FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("new\n")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if raw, _ := os.ReadFile(path); string(raw) != "old\nnew\n" {
		t.Fatalf("file %q", raw)
	}
}
