package bpfrecorder

import "github.com/secprofiles/spo/daemon/spodmetrics"

// bpfTotal is SPO's seccomp_profile_bpf_total: one collection per syscall
// set handed out per mount namespace, so a dashboard sees recordings
// finish per node and profile.
var bpfTotal = spodmetrics.SeccompProfileBpf

func countCollection(node string, mntns uint32, profile string) {
	spodmetrics.ObserveBpf(node, mntns, profile)
}
