package grpcsocket

import (
	"context"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSocketIsPrivateAndReplacesAStaleOne(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.sock")
	old, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	old.(*net.UnixListener).SetUnlinkOnClose(false)
	old.Close() // leaves the socket file behind, as a crashed recorder would

	l, err := Listen(stale)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	defer l.Close()
	fi, err := os.Lstat(stale)
	if err != nil || fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode = %v, %v; want a socket with 0600", fi.Mode(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the socket (no leftover bind directory)", len(entries))
	}

	regular := filepath.Join(dir, "file")
	if err := os.WriteFile(regular, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(regular); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Listen over a regular file: %v; want a refusal", err)
	}
}

func TestDialReportsAMissingServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Dial(ctx, "log-enricher", filepath.Join(t.TempDir(), "none.sock"))
	if err == nil || !strings.Contains(err.Error(), "log-enricher") || !strings.Contains(err.Error(), "not reachable") {
		t.Fatalf("Dial = %v, want log-enricher not reachable", err)
	}
}

func TestTargetNamesAbsoluteAndRelativePaths(t *testing.T) {
	if got := Target("/var/run/spo/x.sock"); got != "unix:///var/run/spo/x.sock" {
		t.Errorf("Target(abs) = %q", got)
	}
	if got := Target("x.sock"); got != "unix:x.sock" {
		t.Errorf("Target(rel) = %q", got)
	}
}
