package bpfrecorder

import (
	"fmt"
	"strconv"
	"strings"
)

// MountNamespaceOf returns the mount namespace inode number of pid, read from
// /proc/<pid>/ns/mnt (a symlink to "mnt:[NNN]", see fs/nsfs.c ns_get_name).
func MountNamespaceOf(pid int) (uint32, error) {
	return MountNamespaceOfProc("/proc", pid)
}

// ParseMountNamespace parses the target of a /proc/<pid>/ns/mnt link,
// "mnt:[4026531841]", into the inode number.
func ParseMountNamespace(link string) (uint32, error) {
	num, ok := strings.CutPrefix(link, "mnt:[")
	if ok {
		num, ok = strings.CutSuffix(num, "]")
	}
	// The kernel prints the number in plain decimal (no sign, no leading 0).
	if !ok || num == "" || num[0] < '1' || num[0] > '9' {
		return 0, fmt.Errorf("not a mount namespace link: %q", link)
	}
	n, err := strconv.ParseUint(num, 10, 32)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("not a mount namespace link: %q", link)
	}
	return uint32(n), nil
}
