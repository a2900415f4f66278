package kubeletdir

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// SelfMountInfo is the mount table of the calling process.
const SelfMountInfo = "/proc/self/mountinfo"

// CheckMounted reads a mount table (the format of /proc/<pid>/mountinfo) and
// fails when dir is on the process's root mount. In the daemon's container
// that means no hostPath holds dir: writes would land in the container's
// own (read-only) root filesystem instead of the node's directory. dir
// itself or any directory above it below "/" may be the mount point.
func CheckMounted(table io.Reader, dir string) error {
	dir = filepath.Clean(dir)
	mounts, err := mountinfo.GetMountsFromReader(table, holding(dir))
	if err != nil {
		return fmt.Errorf("reading the mount table: %w", err)
	}
	var closest *mountinfo.Info
	for _, m := range mounts {
		// Mounted over each other, the last one listed is the one seen.
		if closest == nil || len(m.Mountpoint) >= len(closest.Mountpoint) {
			closest = m
		}
	}
	if closest == nil || closest.Mountpoint == "/" {
		return fmt.Errorf("%s is not on a mounted host directory but on the container's root filesystem: "+
			"the DaemonSet does not mount this node's kubelet directory", dir)
	}
	return nil
}

// holding keeps the mounts whose mount point is dir or a directory above
// it (mountinfo.ParentsFilter compares strings: /a/b-c is not below /a/b).
func holding(dir string) mountinfo.FilterFunc {
	return func(m *mountinfo.Info) (skip, stop bool) {
		mp := m.Mountpoint
		return !(mp == "/" || mp == dir || strings.HasPrefix(dir, mp+"/")), false
	}
}
