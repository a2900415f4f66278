package source

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// procNetInitIno is the initial network namespace's fixed inode number
// (include/linux/proc_ns.h, PROC_NET_INIT_INO), fixed since Linux 6.18;
// before, init_net's number was allocated at boot like any other.
const procNetInitIno = 0xEFFFFFF9

// checkNetns refuses to join the audit group from a network namespace other
// than the initial one: the kernel accepts the bind there but multicasts
// only on init_net's audit socket (kernel/audit.c,
// kauditd_send_multicast_skb uses audit_get_sk(&init_net)), so the source
// would wait forever in silence.
func checkNetns() error {
	if InitialNetns() {
		return nil
	}
	return fmt.Errorf("netlink: the audit multicast group only delivers records in the host's " +
		"network namespace, and this process is in another one: needs hostNetwork")
}

// InitialNetns says whether this process is in the host's network
// namespace, where the kernel multicasts on netlink: audit records, and
// the process events connector (drivers/connector/connector.c registers
// its socket in init_net only). Without /proc it says yes: nothing can be
// told, and a bind decides.
func InitialNetns() bool {
	self, err := netnsIno("self")
	if err != nil {
		return true
	}
	pid1, _ := netnsIno("1")
	return initialNetns(self, pid1, kernelRelease())
}

// initialNetns decides from observed facts. With the fixed number it is
// exact. On older kernels it can only notice a difference from pid 1's
// namespace (pid 1 is the host's init when the pod has hostPID; without
// hostPID both are the pod's and nothing can be told, so it says yes).
func initialNetns(self, pid1 uint64, release [2]int) bool {
	if self == procNetInitIno {
		return true
	}
	if release[0] > 6 || release[0] == 6 && release[1] >= 18 {
		return false
	}
	return pid1 == 0 || pid1 == self
}

func netnsIno(pid string) (uint64, error) {
	link, err := os.Readlink("/proc/" + pid + "/ns/net")
	if err != nil {
		return 0, err
	}
	// "net:[4026531833]"
	s := strings.TrimSuffix(strings.TrimPrefix(link, "net:["), "]")
	return strconv.ParseUint(s, 10, 64)
}

// KernelAtLeast says whether the running kernel is major.minor or later
// (false when uname cannot tell).
func KernelAtLeast(major, minor int) bool {
	r := kernelRelease()
	return r[0] > major || r[0] == major && r[1] >= minor
}

// kernelRelease returns major and minor of uname -r; zeros when unknown.
func kernelRelease() [2]int {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return [2]int{}
	}
	return parseRelease(unix.ByteSliceToString(u.Release[:]))
}

func parseRelease(s string) [2]int {
	var r [2]int
	parts := strings.SplitN(s, ".", 3)
	for i := 0; i < 2 && i < len(parts); i++ {
		n := 0
		for _, c := range parts[i] {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		r[i] = n
	}
	return r
}
