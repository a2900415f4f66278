package logfile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestFollowAcrossRotationAndTruncation plays auditd's life: appends,
// a line written in two parts, rotation by rename with a last write to
// the old file, and a truncation. Every line arrives once, in order,
// numbered within its file.
func TestFollowAcrossRotationAndTruncation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	write(t, path, os.O_CREATE|os.O_WRONLY, "line written before following\n")

	lines := make(chan string, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- Follow(ctx, path, true, 5*time.Millisecond, func(n int, l string) { lines <- fmt.Sprint(n, ":", l) })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	steps := []struct {
		name string
		do   func()
		want []string
	}{
		{"from the start, the existing line comes first", func() {}, []string{"1:line written before following"}},
		{"an appended line is delivered", func() { appendTo(t, path, "a\n") }, []string{"2:a"}},
		{"a line written in two parts is delivered whole", func() {
			appendTo(t, path, "b")
			time.Sleep(20 * time.Millisecond)
			appendTo(t, path, "c\n")
		}, []string{"3:bc"}},
		{"after rotation the old file's last line and the new file's lines arrive", func() {
			if err := os.Rename(path, path+".1"); err != nil {
				t.Fatal(err)
			}
			appendTo(t, path+".1", "d\n")
			write(t, path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, "eeeeeeee\n")
		}, []string{"4:d", "1:eeeeeeee"}},
		{"after truncation the file is read from its start", func() {
			write(t, path, os.O_WRONLY|os.O_TRUNC, "f\n")
		}, []string{"1:f"}},
	}
	for _, s := range steps {
		s.do()
		for _, w := range s.want {
			select {
			case got := <-lines:
				if got != w {
					t.Fatalf("%s: got %q, want %q", s.name, got, w)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: %q never arrived", s.name, w)
			}
		}
	}
}

// The log enricher may start before auditd wrote its log: the file is
// waited for and read whole once it appears.
func TestFollowWaitsForAFileThatDoesNotExistYet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	lines := make(chan string, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- Follow(ctx, path, false, 5*time.Millisecond, func(n int, l string) { lines <- fmt.Sprint(n, ":", l) })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	time.Sleep(20 * time.Millisecond) // Follow is polling for the file now
	select {
	case err := <-done:
		t.Fatalf("Follow returned before the file existed: %v", err)
	default:
	}
	write(t, path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, "first\nsecond\n")
	for _, w := range []string{"1:first", "2:second"} {
		select {
		case got := <-lines:
			if got != w {
				t.Fatalf("got %q, want %q", got, w)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%q never arrived", w)
		}
	}
}

func write(t *testing.T, path string, flag int, s string) {
	t.Helper()
	f, err := os.OpenFile(path, flag, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, path, s string) { write(t, path, os.O_APPEND|os.O_WRONLY, s) }
