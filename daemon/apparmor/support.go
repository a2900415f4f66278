package apparmor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// NodeSupport says where to look for AppArmor on a node. Tests point it at
// a temporary directory.
type NodeSupport struct {
	// ModuleEnabled holds "Y" when the LSM is active in the kernel.
	ModuleEnabled string
	// SecurityFS is AppArmor's directory in securityfs, through which
	// apparmor_parser loads policy; the daemon needs it mounted.
	SecurityFS string
}

// HostSupport is where the kernel exposes AppArmor.
var HostSupport = NodeSupport{
	ModuleEnabled: "/sys/module/apparmor/parameters/enabled",
	SecurityFS:    "/sys/kernel/security/apparmor",
}

// Supported reports whether HostSupport finds AppArmor on this node.
func Supported() (bool, string) { return HostSupport.Supported() }

// Supported reports whether profiles can be loaded here and, when not,
// why, in words for the node status.
func (s NodeSupport) Supported() (ok bool, reason string) {
	data, err := os.ReadFile(s.ModuleEnabled)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, fmt.Sprintf("the kernel has no AppArmor (%s is missing)", s.ModuleEnabled)
	case err != nil:
		return false, fmt.Sprintf("cannot tell whether AppArmor is enabled: %v", err)
	case strings.TrimSpace(string(data)) != "Y":
		return false, fmt.Sprintf("AppArmor is built into the kernel but not enabled (%s is %q; boot with apparmor=1 security=apparmor)",
			s.ModuleEnabled, strings.TrimSpace(string(data)))
	}
	st, err := os.Stat(s.SecurityFS)
	if err != nil || !st.IsDir() {
		return false, fmt.Sprintf("AppArmor is enabled but %s is missing: securityfs must be mounted for apparmor_parser to load profiles", s.SecurityFS)
	}
	return true, ""
}
