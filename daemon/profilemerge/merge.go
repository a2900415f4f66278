package profilemerge

import (
	"slices"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Seccomp adds the unconditionally allowed syscalls and the architectures
// of add to into. Only plain ALLOW rules are taken from add: that is all a
// recording produces, and any other rule would need a decision between
// actions that a union cannot make.
func Seccomp(into *v1.SeccompProfileSpec, add v1.SeccompProfileSpec) {
	into.Architectures = unionOf(into.Architectures, add.Architectures)
	var names []string
	for _, r := range add.Syscalls {
		if r.Action == v1.ActAllow && len(r.Args) == 0 {
			names = append(names, r.Names...)
		}
	}
	if len(names) == 0 {
		return
	}
	for i := range into.Syscalls {
		if r := &into.Syscalls[i]; r.Action == v1.ActAllow && len(r.Args) == 0 && r.ErrnoRet == nil {
			r.Names = unionOf(r.Names, names)
			return
		}
	}
	into.Syscalls = append(into.Syscalls, v1.SeccompSyscall{Names: unionOf(nil, names), Action: v1.ActAllow})
}

// Selinux adds the allow rules of add to into; permissions are sorted and
// unique per type and class. Inherit and mode are into's: they are not
// rules, and which one is right is the caller's decision.
func Selinux(into *v1.SelinuxProfileSpec, add v1.SelinuxProfileSpec) {
	if into.Allow == nil && len(add.Allow) > 0 {
		into.Allow = map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet{}
	}
	for t, classes := range add.Allow {
		if into.Allow[t] == nil {
			into.Allow[t] = map[v1.ObjectClassKey]v1.PermissionSet{}
		}
		for c, perms := range classes {
			into.Allow[t][c] = unionOf(into.Allow[t][c], perms)
		}
	}
}

// AppArmor adds what add allows to into. Mode is into's. Paths are kept
// as written (they are already AppArmor paths, globs or escaped literals)
// and compared as strings.
func AppArmor(into *v1.AppArmorProfileSpec, add v1.AppArmorProfileSpec) {
	a, b := &into.Abstract, add.Abstract
	if b.Executable != nil {
		if a.Executable == nil {
			a.Executable = &v1.AppArmorExecutablesRules{}
		}
		a.Executable.AllowedExecutables = unionOf(a.Executable.AllowedExecutables, b.Executable.AllowedExecutables)
		a.Executable.AllowedLibraries = unionOf(a.Executable.AllowedLibraries, b.Executable.AllowedLibraries)
	}
	a.Filesystem = mergeFs(a.Filesystem, b.Filesystem, a.Executable)
	if b.Network != nil {
		a.Network = mergeNetwork(a.Network, b.Network)
	}
	if b.Capability != nil {
		if a.Capability == nil {
			a.Capability = &v1.AppArmorCapabilityRules{}
		}
		a.Capability.AllowedCapabilities = unionOf(a.Capability.AllowedCapabilities, b.Capability.AllowedCapabilities)
	}
}

func mergeNetwork(a, b *v1.AppArmorNetworkRules) *v1.AppArmorNetworkRules {
	if a == nil {
		return b.DeepCopy()
	}
	out := &v1.AppArmorNetworkRules{AllowRaw: orBool(a.AllowRaw, b.AllowRaw)}
	pa, pb := a.Protocols, b.Protocols
	if pa == nil {
		pa = &v1.AppArmorAllowedProtocols{}
	}
	if pb == nil {
		pb = &v1.AppArmorAllowedProtocols{}
	}
	out.Protocols = &v1.AppArmorAllowedProtocols{AllowTCP: orBool(pa.AllowTCP, pb.AllowTCP), AllowUDP: orBool(pa.AllowUDP, pb.AllowUDP)}
	return out
}

// orBool is true if either is, nil if neither says anything: an explicit
// false renders "deny network raw", which an unset field does not.
func orBool(a, b *bool) *bool {
	if a == nil && b == nil {
		return nil
	}
	v := (a != nil && *a) || (b != nil && *b)
	return &v
}

// unionOf is the sorted set of a and b, nil when empty so the field stays
// out of the output.
func unionOf[T ~string](a, b []T) []T {
	if len(a)+len(b) == 0 {
		return nil
	}
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
