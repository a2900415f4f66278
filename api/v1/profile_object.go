package v1

import "sigs.k8s.io/controller-runtime/pkg/client"

// Profile is implemented by every profile kind, so code that only needs
// the shared spec and status fields (node reports, the status summary, the
// in-use tracking) is written once.
// +kubebuilder:object:generate=false
type Profile interface {
	client.Object
	// ProfileSpec returns the fields all profile kinds share.
	ProfileSpec() ProfileSpecBase
	// ProfileStatus returns the shared status fields, for reading and writing.
	ProfileStatus() *ProfileStatusBase
}

// ProfileSpec implements Profile.
func (p *SeccompProfile) ProfileSpec() ProfileSpecBase { return p.Spec.ProfileSpecBase }

// ProfileStatus implements Profile.
func (p *SeccompProfile) ProfileStatus() *ProfileStatusBase { return &p.Status.ProfileStatusBase }

// ProfileSpec implements Profile.
func (p *SelinuxProfile) ProfileSpec() ProfileSpecBase { return p.Spec.ProfileSpecBase }

// ProfileStatus implements Profile.
func (p *SelinuxProfile) ProfileStatus() *ProfileStatusBase { return &p.Status.ProfileStatusBase }

// ProfileSpec implements Profile.
func (p *RawSelinuxProfile) ProfileSpec() ProfileSpecBase { return p.Spec.ProfileSpecBase }

// ProfileStatus implements Profile.
func (p *RawSelinuxProfile) ProfileStatus() *ProfileStatusBase { return &p.Status.ProfileStatusBase }

// ProfileSpec implements Profile.
func (p *AppArmorProfile) ProfileSpec() ProfileSpecBase { return p.Spec.ProfileSpecBase }

// ProfileStatus implements Profile.
func (p *AppArmorProfile) ProfileStatus() *ProfileStatusBase { return &p.Status.ProfileStatusBase }
