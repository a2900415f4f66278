package recorder

import (
	"fmt"
	"strings"

	bpfrecorderv1 "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
	enricherv1 "github.com/secprofiles/spo/api/grpc/enricher/v1"
	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/apparmor"
)

// AppArmorSpec builds the abstract AppArmor profile from what the bpf
// recorder saw (executables, and with the SPOD's enableAppArmor the files,
// libraries, sockets and capabilities of bpf) and the AppArmor decisions
// the enricher collected. Network rules are always explicit (true or
// false), so the profile says what was observed rather than leaving
// defaults to the translator.
func AppArmorSpec(executables []string, accesses []*enricherv1.AppArmorAccess, bpf []*bpfrecorderv1.AppArmor) v1.AppArmorProfileSpec {
	fsr := fileAccess{}
	var caps, libraries []string
	var tcp, udp, raw bool
	for _, a := range accesses {
		switch {
		case a.GetCapability() != "":
			caps = append(caps, a.GetCapability())
		case a.GetFamily() != "" || a.GetSockType() != "":
			t, u, r := networkOf(a.GetFamily(), a.GetSockType())
			tcp, udp, raw = tcp || t, udp || u, raw || r
		case strings.HasPrefix(a.GetName(), "/"):
			fsr.addLiteral(a.GetName(), a.GetRequestedMask())
			if strings.Contains(a.GetRequestedMask(), "x") {
				executables = append(executables, a.GetName())
			}
		}
	}
	for _, b := range bpf {
		caps = append(caps, b.GetCapabilities()...)
		tcp, udp, raw = tcp || b.GetTcp(), udp || b.GetUdp(), raw || b.GetRaw()
		libraries = append(libraries, bpfFiles(fsr, b.GetFiles())...)
	}
	abstract := v1.AppArmorAbstract{
		Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: literalPaths(executables),
			AllowedLibraries: policyPaths(libraries)},
		Network: &v1.AppArmorNetworkRules{
			AllowRaw:  &raw,
			Protocols: &v1.AppArmorAllowedProtocols{AllowTCP: &tcp, AllowUDP: &udp},
		},
		Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: sortedUnique(caps)},
	}
	// A file written and then run (a downloaded tool) cannot be
	// write-only: AppArmor refuses a write-only path that is also executed.
	for _, e := range abstract.Executable.AllowedExecutables {
		if fsr[string(e)] == accessWrite {
			fsr[string(e)] |= accessRead
		}
	}
	if fs := fsr.rules(); fs != nil {
		abstract.Filesystem = fs
	}
	return v1.AppArmorProfileSpec{Abstract: abstract}
}

// bpfFiles adds the bpf recorder's files (policy paths already) to fsr and
// returns the libraries: a library ld.so opened to map is listed only as
// one (its "mr" rule covers the read), unless it was also written.
func bpfFiles(fsr fileAccess, files []*bpfrecorderv1.FileAccess) []string {
	var libraries []string
	for _, f := range files {
		if f.GetLibrary() {
			libraries = append(libraries, f.GetPath())
		}
		switch {
		case f.GetWrite() && f.GetRead():
			fsr.add(f.GetPath(), "rw")
		case f.GetWrite():
			fsr.add(f.GetPath(), "w")
		case f.GetRead() && !f.GetLibrary():
			fsr.add(f.GetPath(), "r")
		}
	}
	return libraries
}

// networkOf classifies a socket: stream sockets of the IP families are TCP,
// datagram ones UDP; raw and packet sockets need allowRaw.
func networkOf(family, sockType string) (tcp, udp, raw bool) {
	ip := family == "inet" || family == "inet6"
	return ip && sockType == "stream", ip && sockType == "dgram", sockType == "raw" || family == "packet"
}

// fileAccess accumulates per policy path whether it was read and written.
type fileAccess map[string]uint8

const (
	accessRead uint8 = 1 << iota
	accessWrite
)

// add records mask ("r", "w", ...) for a path in policy syntax.
func (f fileAccess) add(path, mask string) {
	if strings.Contains(mask, "r") {
		f[path] |= accessRead
	}
	if strings.ContainsAny(mask, "wacd") {
		f[path] |= accessWrite
	}
}

// addLiteral records mask for a file name as observed: escaped to match
// that file only, and left out when no policy can name it.
func (f fileAccess) addLiteral(name, mask string) {
	if p, err := apparmor.EscapePath(name); err == nil {
		f.add(string(p), mask)
	}
}

func (f fileAccess) rules() *v1.AppArmorFsRules {
	var ro, wo, rw []string
	for p, a := range f {
		switch a {
		case accessRead:
			ro = append(ro, p)
		case accessWrite:
			wo = append(wo, p)
		case accessRead | accessWrite:
			rw = append(rw, p)
		}
	}
	if len(ro)+len(wo)+len(rw) == 0 {
		return nil
	}
	return &v1.AppArmorFsRules{ReadOnlyPaths: policyPaths(ro), WriteOnlyPaths: policyPaths(wo), ReadWritePaths: policyPaths(rw)}
}

// policyPaths are paths in policy syntax, sorted.
func policyPaths(ss []string) []v1.AppArmorPath {
	var out []v1.AppArmorPath
	for _, s := range sortedUnique(ss) {
		out = append(out, v1.AppArmorPath(s))
	}
	return out
}

// literalPaths escapes recorded names: glob characters in them are
// escaped so the rule matches that file only. Names no policy can express
// (a relative executable the bpf recorder could not resolve, a control
// character) are left out rather than have the API server refuse the whole
// profile.
func literalPaths(ss []string) []v1.AppArmorPath {
	var out []v1.AppArmorPath
	for _, s := range sortedUnique(ss) {
		if p, err := apparmor.EscapePath(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// ReasonRecordingIncomplete: a recorded AppArmor profile may lack rules the
// node could not record (the Event names what).
const ReasonRecordingIncomplete = "RecordingIncomplete"

// appArmorShortfall says what a bpf AppArmor recording could not see, or
// "" when nothing: the bpf-recorder not recording AppArmor at all, what
// the node's kernel lacks, and file events the kernel dropped.
func appArmorShortfall(st *State, rec Recorded) string {
	if st.Kind != v1.RecordingAppArmorProfile || !st.usesBpf() {
		return ""
	}
	if len(rec.BpfAppArmor) == 0 {
		return "only executables were recorded: the bpf-recorder records files, sockets and capabilities only with the SPOD's enableAppArmor"
	}
	var limits []string
	var lost uint64
	for _, b := range rec.BpfAppArmor {
		limits = append(limits, b.GetLimits()...)
		lost += b.GetLost()
	}
	limits = sortedUnique(limits)
	if lost > 0 {
		limits = append(limits, fmt.Sprintf("%d file event(s) were dropped by the kernel (ring buffer full)", lost))
	}
	return strings.Join(limits, "; ")
}
