package apparmor

import (
	"slices"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Access is how a recorded workload used a file.
type Access struct {
	Read, Write bool
	// Library: mapped as code (a shared library); its "mr" rule covers
	// the read ld.so made to map it.
	Library bool
	// Exec: run (the binary the kernel loaded); its "rix" rule covers
	// reads.
	Exec bool
}

// Recorded is what a recorder saw a workload do, in the terms of an
// abstract; Abstract turns it into one. The recorders (the node's, spoc's)
// fill it, so a profile recorded either way has the same shape.
type Recorded struct {
	// Executables are literal paths, as passed to execve(2).
	Executables []string
	// Files are keyed by policy path (already escaped or globbed).
	Files        map[string]Access
	Capabilities []string
	TCP, UDP     bool
	Raw          bool
}

// AddFile adds how a file (a policy path) was used.
func (r *Recorded) AddFile(path string, a Access) {
	if r.Files == nil {
		r.Files = map[string]Access{}
	}
	old := r.Files[path]
	r.Files[path] = Access{Read: old.Read || a.Read, Write: old.Write || a.Write,
		Library: old.Library || a.Library, Exec: old.Exec || a.Exec}
}

// Abstract is the profile that allows what was recorded and nothing else.
// Network rules are always explicit (true or false), so the profile says
// what was observed rather than leaving defaults to the translator.
// Executables no policy can name (relative, control characters) are left
// out rather than have the whole profile refused at admission.
func (r Recorded) Abstract() v1.AppArmorAbstract {
	execs := map[string]bool{}
	var executables, libraries, ro, wo, rw []v1.AppArmorPath
	for _, e := range r.Executables {
		if p, err := EscapePath(e); err == nil && !execs[string(p)] {
			execs[string(p)] = true
			executables = append(executables, p)
		}
	}
	for path, a := range r.Files {
		if a.Exec && !execs[path] {
			execs[path] = true
			executables = append(executables, v1.AppArmorPath(path))
		}
	}
	for path, a := range r.Files {
		p := v1.AppArmorPath(path)
		if a.Library {
			libraries = append(libraries, p)
		}
		switch {
		// A file written and then run (a downloaded tool) cannot be
		// write-only: AppArmor refuses a write-only path also executed.
		case a.Write && (a.Read || execs[path] || a.Library):
			rw = append(rw, p)
		case a.Write:
			wo = append(wo, p)
		case a.Read && !a.Library && !execs[path]:
			ro = append(ro, p)
		}
	}
	raw, tcp, udp := r.Raw, r.TCP, r.UDP
	abstract := v1.AppArmorAbstract{
		Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: sorted(executables), AllowedLibraries: sorted(libraries)},
		Network: &v1.AppArmorNetworkRules{AllowRaw: &raw,
			Protocols: &v1.AppArmorAllowedProtocols{AllowTCP: &tcp, AllowUDP: &udp}},
		Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: sortedStrings(r.Capabilities)},
	}
	if len(ro)+len(wo)+len(rw) > 0 {
		abstract.Filesystem = &v1.AppArmorFsRules{ReadOnlyPaths: sorted(ro), WriteOnlyPaths: sorted(wo), ReadWritePaths: sorted(rw)}
	}
	return abstract
}

func sorted(ps []v1.AppArmorPath) []v1.AppArmorPath {
	slices.Sort(ps)
	return slices.Compact(ps)
}

func sortedStrings(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}
