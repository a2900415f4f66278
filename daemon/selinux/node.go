package selinux

import (
	goselinux "github.com/opencontainers/selinux/go-selinux"
)

// selinuxfsMount is where the kernel's SELinux interface is mounted.
const selinuxfsMount = "/sys/fs/selinux"

// SELinuxSupported says whether this node's kernel runs SELinux, and if
// not, why. It asks opencontainers/selinux, which runc and CRI-O also ask
// before labelling containers: a module installed on a node where they
// would not label anything would protect nothing.
func SELinuxSupported() (bool, string) {
	if !goselinux.GetEnabled() {
		return false, "SELinux is not enabled on this node (no read-write selinuxfs at " + selinuxfsMount +
			", or processes have no SELinux context)"
	}
	return true, ""
}
