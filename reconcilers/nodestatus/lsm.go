package nodestatus

import (
	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/selinux"
)

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=selinuxprofiles;rawselinuxprofiles;apparmorprofiles,verbs=get;list;watch;patch;update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=selinuxprofiles/status;rawselinuxprofiles/status;apparmorprofiles/status,verbs=patch;update

// NewSelinux returns the reconciler for SelinuxProfiles.
func NewSelinux(c Reconciler) *Reconciler {
	c.Kind = "SelinuxProfile"
	c.New = func() v1.Profile { return &v1.SelinuxProfile{} }
	c.Publish = publishUsage
	return &c
}

// NewRawSelinux returns the reconciler for RawSelinuxProfiles.
func NewRawSelinux(c Reconciler) *Reconciler {
	c.Kind = "RawSelinuxProfile"
	c.New = func() v1.Profile { return &v1.RawSelinuxProfile{} }
	c.Publish = publishUsage
	return &c
}

// NewAppArmor returns the reconciler for AppArmorProfiles. Pods name an
// AppArmor profile by the profile's name (webhooks/binding), so there is
// nothing to publish.
func NewAppArmor(c Reconciler) *Reconciler {
	c.Kind = "AppArmorProfile"
	c.New = func() v1.Profile { return &v1.AppArmorProfile{} }
	c.Publish = func(v1.Profile, []v1.SecurityProfileNodeStatus) {}
	return &c
}

// publishUsage sets status.usage of a SelinuxProfile or RawSelinuxProfile.
func publishUsage(p v1.Profile, _ []v1.SecurityProfileNodeStatus) {
	switch sp := p.(type) {
	case *v1.SelinuxProfile:
		sp.Status.Usage = selinuxUsage(sp)
	case *v1.RawSelinuxProfile:
		sp.Status.Usage = selinuxUsage(sp)
	}
}

// selinuxUsage is the SELinux type pods use: the module's block is named
// after the profile, and its process type is "<block>.process" (CIL block
// namespacing). It is empty while the profile is not installable, so no
// pod is bound to a type nodes removed.
func selinuxUsage(p v1.Profile) string {
	if !p.GetDeletionTimestamp().IsZero() || !p.ProfileSpec().Enabled() || p.GetLabels()[v1.LabelPartial] == "true" {
		return ""
	}
	return selinux.Usage(p.GetName())
}
