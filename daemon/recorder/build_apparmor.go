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
// libraries, sockets and capabilities of bpf, one per incarnation) and the
// AppArmor decisions the enricher collected.
func AppArmorSpec(executables []string, accesses []*enricherv1.AppArmorAccess, bpf []*bpfrecorderv1.AppArmor) v1.AppArmorProfileSpec {
	rec := apparmor.Recorded{Executables: executables}
	for _, a := range accesses {
		switch {
		case a.GetCapability() != "":
			rec.Capabilities = append(rec.Capabilities, a.GetCapability())
		case a.GetFamily() != "" || a.GetSockType() != "":
			t, u, r := networkOf(a.GetFamily(), a.GetSockType())
			rec.TCP, rec.UDP, rec.Raw = rec.TCP || t, rec.UDP || u, rec.Raw || r
		case strings.HasPrefix(a.GetName(), "/"):
			// Names are literal: escaped to match that file only, and
			// left out when no policy can name them.
			if p, err := apparmor.EscapePath(a.GetName()); err == nil {
				rec.AddFile(string(p), accessOf(a.GetRequestedMask()))
			}
			if strings.Contains(a.GetRequestedMask(), "x") {
				rec.Executables = append(rec.Executables, a.GetName())
			}
		}
	}
	for _, b := range bpf {
		rec.Capabilities = append(rec.Capabilities, b.GetCapabilities()...)
		rec.TCP, rec.UDP, rec.Raw = rec.TCP || b.GetTcp(), rec.UDP || b.GetUdp(), rec.Raw || b.GetRaw()
		for _, f := range b.GetFiles() { // policy paths already
			rec.AddFile(f.GetPath(), apparmor.Access{Read: f.GetRead(), Write: f.GetWrite(),
				Library: f.GetLibrary(), Exec: f.GetExec()})
		}
	}
	return v1.AppArmorProfileSpec{Abstract: rec.Abstract()}
}

// accessOf reads an AppArmor audit record's requested_mask.
func accessOf(mask string) apparmor.Access {
	return apparmor.Access{Read: strings.Contains(mask, "r"), Write: strings.ContainsAny(mask, "wacd")}
}

// networkOf classifies a socket: stream sockets of the IP families are TCP,
// datagram ones UDP; raw and packet sockets need allowRaw.
func networkOf(family, sockType string) (tcp, udp, raw bool) {
	ip := family == "inet" || family == "inet6"
	return ip && sockType == "stream", ip && sockType == "dgram", sockType == "raw" || family == "packet"
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
