package v1alpha1

import (
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
)

func nodeStatusHub() *v1.SecurityProfileNodeStatus {
	return &v1.SecurityProfileNodeStatus{
		ObjectMeta: meta("web-node-1", "", ""),
		Spec:       v1.SecurityProfileNodeStatusSpec{NodeName: "node-1", ProfileKind: "SeccompProfile", ProfileName: "web"},
		Status: v1.SecurityProfileNodeStatusStatus{Status: v1.ProfileStateError, Reason: "InvalidProfile",
			Message: "unknown syscall", Path: "/var/lib/kubelet/seccomp/operator/web.json"},
	}
}

func TestSecurityProfileNodeStatusConversion(t *testing.T) {
	const kept = `{"profileKind":"SeccompProfile","profileName":"web","reason":"InvalidProfile",` +
		`"message":"unknown syscall","path":"/var/lib/kubelet/seccomp/operator/web.json"}`
	spoke := func(annotation string) *SecurityProfileNodeStatus {
		return &SecurityProfileNodeStatus{ObjectMeta: meta("web-node-1", "", annotation),
			NodeName: "node-1", Status: v1.ProfileStateError}
	}
	// SPO's own v1alpha1 report: node and state, nothing else.
	spos := &SecurityProfileNodeStatus{ObjectMeta: meta("web-node-1", "", ""), NodeName: "node-1", Status: v1.ProfileStateInstalled}
	sposHub := &v1.SecurityProfileNodeStatus{ObjectMeta: meta("web-node-1", "", ""),
		Spec: v1.SecurityProfileNodeStatusSpec{NodeName: "node-1"}, Status: v1.SecurityProfileNodeStatusStatus{Status: v1.ProfileStateInstalled}}
	run(t, map[string]conversionCase{
		"moves nodeName and status to the top level and keeps the rest": {from: nodeStatusHub(), want: spoke(kept)},
		"restores what was kept when converting back up":                {from: spoke(kept), want: nodeStatusHub()},
		"reads a report SPO wrote as node and state only":               {from: spos, want: sposHub},
	})
}
