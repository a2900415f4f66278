package v1beta1

import (
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/conversion"

	"github.com/secprofiles/spo/api/internal/lossless"
	v1 "github.com/secprofiles/spo/api/v1"
)

// seccompKept is what a v1 SeccompProfile can hold and v1beta1 cannot.
type seccompKept struct {
	// State is kept when it is neither Enabled nor Disabled (an object
	// that was never defaulted has none): disabled: false cannot say which.
	State *v1.ProfileEnabledState `json:"state,omitempty"`
}

// ConvertTo converts this SeccompProfile to the v1 hub.
func (p *SeccompProfile) ConvertTo(hub conversion.Hub) error {
	dst, ok := hub.(*v1.SeccompProfile)
	if !ok {
		return fmt.Errorf("converting SeccompProfile to %T: want *v1.SeccompProfile", hub)
	}
	in := p.DeepCopy()
	dst.ObjectMeta = in.ObjectMeta
	kept := lossless.Restore[seccompKept](&dst.ObjectMeta)
	dst.Spec = v1.SeccompProfileSpec{
		ProfileSpecBase:  v1.ProfileSpecBase{State: lossless.FromBool(in.Spec.Disabled, kept.State, v1.ProfileDisabled, v1.ProfileEnabled)},
		BaseProfileName:  in.Spec.BaseProfileName,
		DefaultAction:    in.Spec.DefaultAction,
		Architectures:    in.Spec.Architectures,
		ListenerPath:     in.Spec.ListenerPath,
		ListenerMetadata: in.Spec.ListenerMetadata,
		Syscalls:         in.Spec.Syscalls,
		Flags:            in.Spec.Flags,
	}
	dst.Status = in.Status
	return nil
}

// ConvertFrom converts the v1 hub to this SeccompProfile.
func (p *SeccompProfile) ConvertFrom(hub conversion.Hub) error {
	src, ok := hub.(*v1.SeccompProfile)
	if !ok {
		return fmt.Errorf("converting %T to SeccompProfile: want *v1.SeccompProfile", hub)
	}
	in := src.DeepCopy()
	var kept seccompKept
	p.ObjectMeta = in.ObjectMeta
	p.Spec = SeccompProfileSpec{
		BaseProfileName:  in.Spec.BaseProfileName,
		DefaultAction:    in.Spec.DefaultAction,
		Architectures:    in.Spec.Architectures,
		ListenerPath:     in.Spec.ListenerPath,
		ListenerMetadata: in.Spec.ListenerMetadata,
		Syscalls:         in.Spec.Syscalls,
		Flags:            in.Spec.Flags,
	}
	p.Spec.Disabled, kept.State = lossless.ToBool(in.Spec.State, v1.ProfileDisabled, v1.ProfileEnabled)
	p.Status = in.Status
	return lossless.Keep(&p.ObjectMeta, kept)
}
