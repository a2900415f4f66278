package v1alpha2

import (
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/conversion"

	"github.com/secprofiles/spo/api/internal/lossless"
	v1 "github.com/secprofiles/spo/api/v1"
)

// selinuxKept is what a v1 SelinuxProfile or RawSelinuxProfile can hold and
// v1alpha2 cannot: values of state and mode other than the two a boolean
// stands for (an object that was never defaulted has neither).
type selinuxKept struct {
	State *v1.ProfileEnabledState `json:"state,omitempty"`
	Mode  *v1.SelinuxMode         `json:"mode,omitempty"`
}

// ConvertTo converts this SelinuxProfile to the v1 hub.
func (p *SelinuxProfile) ConvertTo(hub conversion.Hub) error {
	dst, ok := hub.(*v1.SelinuxProfile)
	if !ok {
		return fmt.Errorf("converting SelinuxProfile to %T: want *v1.SelinuxProfile", hub)
	}
	in := p.DeepCopy()
	dst.ObjectMeta = in.ObjectMeta
	kept := lossless.Restore[selinuxKept](&dst.ObjectMeta)
	dst.Spec = v1.SelinuxProfileSpec{
		ProfileSpecBase: v1.ProfileSpecBase{State: lossless.FromBool(in.Spec.Disabled, kept.State, v1.ProfileDisabled, v1.ProfileEnabled)},
		Inherit:         in.Spec.Inherit,
		Mode:            lossless.FromBool(in.Spec.Permissive, kept.Mode, v1.SelinuxPermissive, v1.SelinuxEnforcing),
		Allow:           in.Spec.Allow,
	}
	dst.Status = in.Status
	return nil
}

// ConvertFrom converts the v1 hub to this SelinuxProfile.
func (p *SelinuxProfile) ConvertFrom(hub conversion.Hub) error {
	src, ok := hub.(*v1.SelinuxProfile)
	if !ok {
		return fmt.Errorf("converting %T to SelinuxProfile: want *v1.SelinuxProfile", hub)
	}
	in := src.DeepCopy()
	var kept selinuxKept
	p.ObjectMeta = in.ObjectMeta
	p.Spec = SelinuxProfileSpec{Inherit: in.Spec.Inherit, Allow: in.Spec.Allow}
	p.Spec.Disabled, kept.State = lossless.ToBool(in.Spec.State, v1.ProfileDisabled, v1.ProfileEnabled)
	p.Spec.Permissive, kept.Mode = lossless.ToBool(in.Spec.Mode, v1.SelinuxPermissive, v1.SelinuxEnforcing)
	p.Status = in.Status
	return lossless.Keep(&p.ObjectMeta, kept)
}

// ConvertTo converts this RawSelinuxProfile to the v1 hub.
func (p *RawSelinuxProfile) ConvertTo(hub conversion.Hub) error {
	dst, ok := hub.(*v1.RawSelinuxProfile)
	if !ok {
		return fmt.Errorf("converting RawSelinuxProfile to %T: want *v1.RawSelinuxProfile", hub)
	}
	in := p.DeepCopy()
	dst.ObjectMeta = in.ObjectMeta
	kept := lossless.Restore[selinuxKept](&dst.ObjectMeta)
	dst.Spec = v1.RawSelinuxProfileSpec{
		ProfileSpecBase: v1.ProfileSpecBase{State: lossless.FromBool(in.Spec.Disabled, kept.State, v1.ProfileDisabled, v1.ProfileEnabled)},
		Policy:          in.Spec.Policy,
	}
	dst.Status = in.Status
	return nil
}

// ConvertFrom converts the v1 hub to this RawSelinuxProfile.
func (p *RawSelinuxProfile) ConvertFrom(hub conversion.Hub) error {
	src, ok := hub.(*v1.RawSelinuxProfile)
	if !ok {
		return fmt.Errorf("converting %T to RawSelinuxProfile: want *v1.RawSelinuxProfile", hub)
	}
	in := src.DeepCopy()
	var kept selinuxKept
	p.ObjectMeta = in.ObjectMeta
	p.Spec = RawSelinuxProfileSpec{Policy: in.Spec.Policy}
	p.Spec.Disabled, kept.State = lossless.ToBool(in.Spec.State, v1.ProfileDisabled, v1.ProfileEnabled)
	p.Status = in.Status
	return lossless.Keep(&p.ObjectMeta, kept)
}
