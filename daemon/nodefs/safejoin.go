package nodefs

import (
	"fmt"
	"path/filepath"
	"strings"
)

// MaxNameLength is the longest name SafeJoin accepts: the longest Kubernetes
// object name (a DNS subdomain), since profile files are named after objects.
const MaxNameLength = 253

// nameMax is NAME_MAX on Linux: a longer file name fails with ENAMETOOLONG.
// Checking it here turns that late, obscure failure into a message that names
// the profile.
const nameMax = 255

// SafeJoin returns dir/name+ext after making sure name is a single plain path
// element: not empty, no separators or NUL bytes, not "." or "..", not hidden
// and not longer than MaxNameLength bytes. ext is trusted (it comes from code,
// not from the API).
func SafeJoin(dir, name, ext string) (string, error) {
	if err := checkName(dir, name); err != nil {
		return "", err
	}
	if n := len(name) + len(ext); n > nameMax {
		return "", fmt.Errorf("profile name %q makes a file name of %d bytes, more than the %d a Linux filesystem allows", name, n, nameMax)
	}
	return filepath.Join(dir, name+ext), nil
}

func checkName(dir, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("profile name is empty")
	case name == "." || name == ".." || strings.HasPrefix(name, "../") || strings.HasPrefix(name, `..\`):
		return fmt.Errorf("profile name %q would escape %s", name, dir)
	case strings.ContainsAny(name, `/\`):
		// Backslashes are not separators on Linux, but refusing them keeps a
		// name from meaning different paths to different tools.
		return fmt.Errorf("profile name %q contains a path separator", name)
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("profile name %q contains a NUL byte", name)
	case strings.HasPrefix(name, "."):
		// Dot files are reserved for WriteFileAtomic's temporary files.
		return fmt.Errorf("profile name %q starts with a dot", name)
	case len(name) > MaxNameLength:
		return fmt.Errorf("profile name is %d bytes long, more than %d", len(name), MaxNameLength)
	}
	return nil
}
