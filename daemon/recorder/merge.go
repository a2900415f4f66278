package recorder

import (
	"slices"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Merging extends an existing recorded profile with another recording of
// the same recording and container (replicas of a pod without generateName,
// or a re-recording). Every merge is a union, so merging the same recording
// twice changes nothing: a collection repeated after a crash is harmless.

// MergeSeccomp adds the allowed syscalls and architectures of add to into.
func MergeSeccomp(into *v1.SeccompProfileSpec, add v1.SeccompProfileSpec) {
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
			r.Names = sortedUnique(append(r.Names, names...))
			return
		}
	}
	into.Syscalls = append(into.Syscalls, v1.SeccompSyscall{Names: sortedUnique(names), Action: v1.ActAllow})
}

// MergeSelinux adds the allow rules of add to into.
func MergeSelinux(into *v1.SelinuxProfileSpec, add v1.SelinuxProfileSpec) {
	if into.Allow == nil && len(add.Allow) > 0 {
		into.Allow = map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet{}
	}
	for t, classes := range add.Allow {
		if into.Allow[t] == nil {
			into.Allow[t] = map[v1.ObjectClassKey]v1.PermissionSet{}
		}
		for c, perms := range classes {
			into.Allow[t][c] = sortedUnique(append(slices.Clone(into.Allow[t][c]), perms...))
		}
	}
}

// MergeAppArmor adds what add allows to into. A path read in one recording
// and written in another becomes read-write.
func MergeAppArmor(into *v1.AppArmorProfileSpec, add v1.AppArmorProfileSpec) {
	a, b := &into.Abstract, add.Abstract
	if b.Executable != nil {
		if a.Executable == nil {
			a.Executable = &v1.AppArmorExecutablesRules{}
		}
		a.Executable.AllowedExecutables = unionOf(a.Executable.AllowedExecutables, b.Executable.AllowedExecutables)
		a.Executable.AllowedLibraries = unionOf(a.Executable.AllowedLibraries, b.Executable.AllowedLibraries)
	}
	a.Filesystem = mergeFs(a.Filesystem, b.Filesystem)
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

func mergeFs(a, b *v1.AppArmorFsRules) *v1.AppArmorFsRules {
	f := fileAccess{}
	for _, rules := range []*v1.AppArmorFsRules{a, b} {
		if rules == nil {
			continue
		}
		for _, p := range rules.ReadOnlyPaths {
			f.add(string(p), "r")
		}
		for _, p := range rules.WriteOnlyPaths {
			f.add(string(p), "w")
		}
		for _, p := range rules.ReadWritePaths {
			f.add(string(p), "rw")
		}
	}
	return f.rules()
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

func orBool(a, b *bool) *bool {
	if a == nil && b == nil {
		return nil
	}
	v := (a != nil && *a) || (b != nil && *b)
	return &v
}

func unionOf[T ~string](a, b []T) []T {
	if len(a)+len(b) == 0 {
		return nil
	}
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
