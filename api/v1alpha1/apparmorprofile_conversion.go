package v1alpha1

import (
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/conversion"

	"github.com/secprofiles/spo/api/internal/lossless"
	v1 "github.com/secprofiles/spo/api/v1"
)

// appArmorKept is what a v1 AppArmorProfile can hold and v1alpha1 cannot:
// values of state and mode other than the two a boolean stands for (an
// object that was never defaulted has neither).
type appArmorKept struct {
	State *v1.ProfileEnabledState `json:"state,omitempty"`
	Mode  *v1.AppArmorMode        `json:"mode,omitempty"`
}

// ConvertTo converts this AppArmorProfile to the v1 hub.
func (p *AppArmorProfile) ConvertTo(hub conversion.Hub) error {
	dst, ok := hub.(*v1.AppArmorProfile)
	if !ok {
		return fmt.Errorf("converting AppArmorProfile to %T: want *v1.AppArmorProfile", hub)
	}
	in := p.DeepCopy()
	dst.ObjectMeta = in.ObjectMeta
	kept := lossless.Restore[appArmorKept](&dst.ObjectMeta)
	dst.Spec = v1.AppArmorProfileSpec{
		ProfileSpecBase: v1.ProfileSpecBase{State: lossless.FromBool(in.Spec.Disabled, kept.State, v1.ProfileDisabled, v1.ProfileEnabled)},
		Abstract:        in.Spec.Abstract,
		Mode:            lossless.FromBool(in.Spec.ComplainMode, kept.Mode, v1.AppArmorComplain, v1.AppArmorEnforce),
	}
	dst.Status = in.Status
	return nil
}

// ConvertFrom converts the v1 hub to this AppArmorProfile.
func (p *AppArmorProfile) ConvertFrom(hub conversion.Hub) error {
	src, ok := hub.(*v1.AppArmorProfile)
	if !ok {
		return fmt.Errorf("converting %T to AppArmorProfile: want *v1.AppArmorProfile", hub)
	}
	in := src.DeepCopy()
	var kept appArmorKept
	p.ObjectMeta = in.ObjectMeta
	p.Spec = AppArmorProfileSpec{Abstract: in.Spec.Abstract}
	p.Spec.Disabled, kept.State = lossless.ToBool(in.Spec.State, v1.ProfileDisabled, v1.ProfileEnabled)
	p.Spec.ComplainMode, kept.Mode = lossless.ToBool(in.Spec.Mode, v1.AppArmorComplain, v1.AppArmorEnforce)
	p.Status = in.Status
	return lossless.Keep(&p.ObjectMeta, kept)
}
