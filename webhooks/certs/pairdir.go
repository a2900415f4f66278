package certs

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// The serving certificate and key must change together: controller-runtime's
// certificate watcher reads both on every file event, and a new certificate
// next to the old key is refused (with an error logged each time). So the
// pair is laid out as kubelet lays out Secret volumes, which that watcher
// already follows:
//
//	dir/tls.crt -> ..data/tls.crt
//	dir/tls.key -> ..data/tls.key
//	dir/..data  -> ..pair-123456/   (one rename switches both files)
//
// Removing the previous pair directory makes the watcher re-resolve the
// links and load the new pair.
const dataLink = "..data"

// writePair replaces the files in dir with files (name -> content) in
// one step.
func writePair(dir string, files map[string][]byte) error {
	pair, err := os.MkdirTemp(dir, "..pair-")
	if err != nil {
		return fmt.Errorf("writing certificates into %s: %w", dir, err)
	}
	for _, name := range sortedKeys(files) {
		if err := os.WriteFile(filepath.Join(pair, name), files[name], 0o600); err != nil {
			os.RemoveAll(pair)
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	previous, _ := os.Readlink(filepath.Join(dir, dataLink))
	if err := replaceLink(dir, dataLink, filepath.Base(pair)); err != nil {
		os.RemoveAll(pair)
		return err
	}
	for _, name := range sortedKeys(files) {
		if err := replaceLink(dir, name, filepath.Join(dataLink, name)); err != nil {
			return err
		}
	}
	if previous != "" && previous != filepath.Base(pair) {
		// Best effort: a leftover directory only costs a few bytes.
		_ = os.RemoveAll(filepath.Join(dir, previous))
	}
	return nil
}

// replaceLink makes dir/name a symlink to target, atomically, whatever was
// there before; it leaves a link that is already right alone.
func replaceLink(dir, name, target string) error {
	path := filepath.Join(dir, name)
	if current, err := os.Readlink(path); err == nil && current == target {
		return nil
	}
	tmp := path + ".tmp"
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("linking %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("linking %s: %w", path, err)
	}
	return nil
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
