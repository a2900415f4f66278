package nodereport

import (
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Adoptable reports whether ns is a report SPO's daemon on node left about
// profile (of kind): SPO's reports name no profile in their spec, only in
// their owner reference and their profile-id label. spo's daemon adopts
// such a report, filling in the spec, rather than refusing it as another
// profile's.
func Adoptable(ns *v1.SecurityProfileNodeStatus, kind string, profile client.Object, node string) bool {
	if ns.Spec.ProfileKind != "" || ns.Spec.ProfileName != "" || ns.Spec.NodeName != node {
		return false
	}
	if ns.Labels[v1.LabelProfileID] == v1.ProfileID(kind, profile.GetName()) {
		return true
	}
	for _, o := range ns.OwnerReferences {
		if o.UID != "" && o.UID == profile.GetUID() && o.Kind == kind {
			return true
		}
	}
	return false
}
