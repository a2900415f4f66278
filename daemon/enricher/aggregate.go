package enricher

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/secprofiles/spo/daemon/enricher/audit"
)

// SyscallSet is what a seccomp recording collected so far.
type SyscallSet struct {
	Syscalls     []string // sorted, unique
	Architecture string   // SCMP_ARCH_* of the first record
	Executables  []string // sorted, unique
	// Unresolved are "<arch>:<number>" of records whose number has no
	// name: never turned into a made-up name, which a profile would
	// reject or, worse, silently not allow.
	Unresolved []string
}

// AVCRule is one distinct SELinux decision and the permissions asked.
type AVCRule struct {
	SContext, TContext, TClass string
	Permissions                []string // sorted, unique
}

// AppArmorAccess is one distinct AppArmor access. Only the fields of the
// operation's kind are set.
type AppArmorAccess struct {
	Operation     string
	Name          string
	RequestedMask string
	Capability    string
	Family        string
	SockType      string
	Protocol      int32
}

type set map[string]struct{}

func (s set) add(v string) { s[v] = struct{}{} }

func (s set) sorted() []string { return slices.Sorted(maps.Keys(s)) }

// seccompAgg grows with distinct syscalls and executables, never with
// the number of records.
type seccompAgg struct {
	arch                    string
	names, exes, unresolved set
}

func newSeccompAgg() *seccompAgg {
	return &seccompAgg{names: set{}, exes: set{}, unresolved: set{}}
}

func (a *seccompAgg) add(s *audit.Seccomp) {
	if a.arch == "" {
		a.arch = s.Arch
	}
	if s.Exe != "" {
		a.exes.add(s.Exe)
	}
	if s.SyscallName != "" {
		a.names.add(s.SyscallName)
		return
	}
	arch := s.Arch
	if arch == "" {
		arch = fmt.Sprintf("%x", uint32(s.ArchAudit))
	}
	a.unresolved.add(fmt.Sprintf("%s:%d", arch, s.Syscall))
}

func (a *seccompAgg) snapshot() SyscallSet {
	return SyscallSet{Syscalls: a.names.sorted(), Architecture: a.arch,
		Executables: a.exes.sorted(), Unresolved: a.unresolved.sorted()}
}

type avcKey struct{ scontext, tcontext, tclass string }

// avcAgg maps each distinct (scontext, tcontext, tclass) to its
// permissions.
type avcAgg map[avcKey]set

func (a avcAgg) add(v *audit.AVC) {
	k := avcKey{v.SContext, v.TContext, v.TClass}
	perms := a[k]
	if perms == nil {
		perms = set{}
		a[k] = perms
	}
	for _, p := range v.Permissions {
		perms.add(p)
	}
}

// snapshot is sorted by (tcontext, tclass), as the API promises, then
// scontext so the order is total.
func (a avcAgg) snapshot() []AVCRule {
	out := make([]AVCRule, 0, len(a))
	for k, perms := range a {
		out = append(out, AVCRule{SContext: k.scontext, TContext: k.tcontext, TClass: k.tclass, Permissions: perms.sorted()})
	}
	slices.SortFunc(out, func(x, y AVCRule) int {
		return cmp.Or(cmp.Compare(x.TContext, y.TContext), cmp.Compare(x.TClass, y.TClass), cmp.Compare(x.SContext, y.SContext))
	})
	return out
}

type appArmorAgg map[AppArmorAccess]struct{}

// collects reports whether a record is an access a profile needs:
// STATUS records (profile loads) and the like are not.
func appArmorCollects(a *audit.AppArmor) bool {
	switch a.Result {
	case "ALLOWED", "DENIED", "AUDIT":
		return true
	}
	return false
}

func (a appArmorAgg) add(v *audit.AppArmor) {
	a[AppArmorAccess{Operation: v.Operation, Name: v.Name, RequestedMask: v.RequestedMask,
		Capability: v.Capability, Family: v.Family, SockType: v.SockType, Protocol: int32(v.Protocol)}] = struct{}{}
}

func (a appArmorAgg) snapshot() []AppArmorAccess {
	out := slices.Collect(maps.Keys(a))
	slices.SortFunc(out, func(x, y AppArmorAccess) int {
		return cmp.Or(cmp.Compare(x.Operation, y.Operation), cmp.Compare(x.Name, y.Name),
			cmp.Compare(x.RequestedMask, y.RequestedMask), cmp.Compare(x.Capability, y.Capability),
			cmp.Compare(x.Family, y.Family), cmp.Compare(x.SockType, y.SockType), cmp.Compare(x.Protocol, y.Protocol))
	})
	return out
}
