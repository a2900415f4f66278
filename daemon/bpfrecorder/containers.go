package bpfrecorder

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// MountNamespaceOfProc reads the mount namespace of pid from the
// <procRoot>/<pid>/ns/mnt link. Unlike MountNamespaceOf it honours
// procRoot: a host /proc mounted elsewhere, or a fake tree in tests.
func MountNamespaceOfProc(procRoot string, pid int) (uint32, error) {
	link, err := os.Readlink(filepath.Join(procRoot, strconv.Itoa(pid), "ns", "mnt"))
	if err != nil {
		return 0, fmt.Errorf("mount namespace of pid %d: %w", pid, err)
	}
	return ParseMountNamespace(link)
}
