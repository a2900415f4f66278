package apparmor

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// RuntimeProfiles are the AppArmor profiles container runtimes load and
// apply by default. An AppArmorProfile of one of these names would replace
// the policy of every container on the node that runs under it, so the CRD
// refuses the names at admission (api/v1, AppArmorProfile) and Install
// refuses them again on the node.
var RuntimeProfiles = []string{"docker-default", "crio-default", "cri-containerd.apparmor.d", "unconfined"}

// DefaultKernelProfiles is the securityfs file listing the profiles the
// kernel has loaded, one "name (mode)" a line.
const DefaultKernelProfiles = "/sys/kernel/security/apparmor/profiles"

// Reasons of the ownership refusals.
const (
	// ReasonReservedName: the name is a container runtime's profile.
	ReasonReservedName = "ReservedAppArmorProfileName"
	// ReasonNotOwned: the kernel has a profile of that name that spo did
	// not load (no record in the state directory): replacing it would take
	// over policy someone else put on the node.
	ReasonNotOwned = "AppArmorProfileNotOwned"
)

// ParseKernelProfiles reads the securityfs profiles list: one
// "name (mode)" a line, where name may contain spaces and parentheses
// (the mode is the last parenthesised word). Lines without a mode are an
// error: a list read wrongly could hide a profile spo must not replace.
func ParseKernelProfiles(data []byte) (map[string]bool, error) {
	names := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		i := strings.LastIndex(line, " (")
		if i <= 0 || !strings.HasSuffix(line, ")") {
			return nil, fmt.Errorf("AppArmor profiles list: line %q is not \"name (mode)\"", line)
		}
		names[line[:i]] = true
	}
	return names, sc.Err()
}

// kernelProfiles reads path (DefaultKernelProfiles if empty). A missing
// file is a kernel without AppArmor, or without securityfs: nothing loaded.
func kernelProfiles(path string) (map[string]bool, error) {
	if path == "" {
		path = DefaultKernelProfiles
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the kernel's AppArmor profiles: %w", err)
	}
	return ParseKernelProfiles(data)
}

// MayLoad is the decision behind Install: nil when spo may load a profile
// called name, given whether spo's state directory records having loaded
// it (ours) and the names the kernel has loaded. Reserved runtime names are
// never ours to load; a name the kernel has and spo never loaded belongs to
// someone else (the runtime, the distribution, an administrator).
func MayLoad(name string, ours bool, loaded map[string]bool) error {
	switch {
	case slices.Contains(RuntimeProfiles, name):
		return newError(ReasonReservedName, "metadata.name",
			fmt.Sprintf("%q is a container runtime's AppArmor profile (%s are reserved); choose another name",
				name, strings.Join(RuntimeProfiles, ", ")))
	case loaded[name] && !ours:
		return newError(ReasonNotOwned, "metadata.name",
			fmt.Sprintf("the kernel has an AppArmor profile %q that spo did not load; not replacing it: choose another name", name))
	}
	return nil
}
