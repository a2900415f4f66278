package selinux

import (
	"bytes"
	"os"

	"golang.org/x/sys/unix"
)

// selinuxfsMount is where the kernel's SELinux interface is mounted.
const selinuxfsMount = "/sys/fs/selinux"

// SELinuxSupported says whether this node's kernel runs SELinux, and if
// not, why. It decides as opencontainers/selinux's GetEnabled does (what
// runc and CRI-O use to decide whether to label containers): selinuxfs
// mounted read-write, and this process not in the "kernel" context that a
// disabled SELinux reports.
func SELinuxSupported() (bool, string) {
	var fs unix.Statfs_t
	if err := unix.Statfs(selinuxfsMount, &fs); err != nil || uint32(fs.Type) != uint32(unix.SELINUX_MAGIC) {
		return false, "SELinux is not enabled on this node: selinuxfs is not mounted at " + selinuxfsMount
	}
	if fs.Flags&unix.ST_RDONLY != 0 {
		return false, "SELinux is not enabled on this node: selinuxfs at " + selinuxfsMount + " is read-only (as in a container without SELinux access)"
	}
	con, err := os.ReadFile("/proc/self/attr/current")
	if err != nil || string(bytes.TrimRight(con, "\x00\n")) == "kernel" {
		return false, "SELinux is not enabled on this node: processes have no SELinux context"
	}
	return true, ""
}
