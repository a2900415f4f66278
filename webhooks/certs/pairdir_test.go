package certs

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func readPair(t *testing.T, dir string) (string, string) {
	t.Helper()
	crt, err := os.ReadFile(filepath.Join(dir, KeyCert))
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(dir, KeyKey))
	if err != nil {
		t.Fatal(err)
	}
	return string(crt), string(key)
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestWritePair(t *testing.T) {
	t.Run("writes both files into an empty directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := writePair(dir, map[string][]byte{KeyCert: []byte("crt-1"), KeyKey: []byte("key-1")}); err != nil {
			t.Fatal(err)
		}
		if crt, key := readPair(t, dir); crt != "crt-1" || key != "key-1" {
			t.Errorf("read %q and %q", crt, key)
		}
	})
	t.Run("replaces both and leaves no earlier pair behind", func(t *testing.T) {
		dir := t.TempDir()
		for _, gen := range []string{"1", "2", "3"} {
			if err := writePair(dir, map[string][]byte{KeyCert: []byte("crt-" + gen), KeyKey: []byte("key-" + gen)}); err != nil {
				t.Fatal(err)
			}
		}
		if crt, key := readPair(t, dir); crt != "crt-3" || key != "key-3" {
			t.Errorf("read %q and %q", crt, key)
		}
		got := entries(t, dir)
		if len(got) != 4 || !slices.Contains(got, dataLink) || !slices.Contains(got, KeyCert) || !slices.Contains(got, KeyKey) {
			t.Errorf("directory holds %v, want ..data, one pair directory and the two links", got)
		}
	})
	t.Run("takes over plain files someone put there", func(t *testing.T) {
		dir := t.TempDir()
		for _, name := range []string{KeyCert, KeyKey} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := writePair(dir, map[string][]byte{KeyCert: []byte("crt"), KeyKey: []byte("key")}); err != nil {
			t.Fatal(err)
		}
		if crt, key := readPair(t, dir); crt != "crt" || key != "key" {
			t.Errorf("read %q and %q", crt, key)
		}
	})
}
