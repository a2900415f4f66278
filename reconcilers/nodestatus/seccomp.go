package nodestatus

import (
	"sort"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/seccomp"
)

// NewSeccomp returns the reconciler for SeccompProfiles.
func NewSeccomp(c Reconciler) *Reconciler {
	c.Kind = "SeccompProfile"
	c.New = func() v1.Profile { return &v1.SeccompProfile{} }
	c.Publish = publishSeccomp
	return &c
}

// publishSeccomp sets the values pods need to use the profile. They are
// cleared while the profile is not installable, so nobody binds a pod to a
// file that nodes have removed.
func publishSeccomp(p v1.Profile, reports []v1.SecurityProfileNodeStatus) {
	sp := p.(*v1.SeccompProfile)
	if !sp.DeletionTimestamp.IsZero() || !sp.Spec.Enabled() || sp.Labels[v1.LabelPartial] == "true" {
		sp.Status.LocalhostProfile, sp.Status.Path = "", ""
		return
	}
	sp.Status.LocalhostProfile = seccomp.LocalhostProfile(sp.Name)
	sp.Status.Path = firstPath(reports)
}

// firstPath is the file path reported by the first node (by name) that has
// one; nodes may use different kubelet directories, so this is an example,
// and each node's own path is in its report.
func firstPath(reports []v1.SecurityProfileNodeStatus) string {
	sorted := append([]v1.SecurityProfileNodeStatus(nil), reports...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Spec.NodeName < sorted[j].Spec.NodeName })
	for _, r := range sorted {
		if r.Status.Path != "" {
			return r.Status.Path
		}
	}
	return ""
}
