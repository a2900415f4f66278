package selinux

import (
	"os"
	"strings"
	"testing"
)

// TestSELinuxSupported checks the answer against the node itself: with no
// selinuxfs mounted (these machines) it must say no and why.
func TestSELinuxSupported(t *testing.T) {
	ok, why := SELinuxSupported()
	_, err := os.Stat(selinuxfsMount + "/enforce")
	if err == nil {
		t.Skipf("this node has selinuxfs (supported=%v)", ok)
	}
	if ok || !strings.Contains(why, "SELinux is not enabled") {
		t.Fatalf("SELinuxSupported() = %v, %q on a node without selinuxfs", ok, why)
	}
}
