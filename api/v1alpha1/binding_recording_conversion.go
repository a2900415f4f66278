package v1alpha1

import (
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/conversion"

	"github.com/secprofiles/spo/api/internal/lossless"
	v1 "github.com/secprofiles/spo/api/v1"
)

// ProfileBinding and ProfileRecording hold exactly what v1 holds, so their
// conversions copy and keep nothing. Converting up still drops a stray
// conversion-data annotation (one copied from another object, say): it must
// never reach the storage version.

// ConvertTo converts this ProfileBinding to the v1 hub.
func (p *ProfileBinding) ConvertTo(hub conversion.Hub) error {
	dst, ok := hub.(*v1.ProfileBinding)
	if !ok {
		return fmt.Errorf("converting ProfileBinding to %T: want *v1.ProfileBinding", hub)
	}
	in := p.DeepCopy()
	dst.ObjectMeta, dst.Spec, dst.Status = in.ObjectMeta, in.Spec, in.Status
	lossless.Drop(&dst.ObjectMeta)
	return nil
}

// ConvertFrom converts the v1 hub to this ProfileBinding.
func (p *ProfileBinding) ConvertFrom(hub conversion.Hub) error {
	src, ok := hub.(*v1.ProfileBinding)
	if !ok {
		return fmt.Errorf("converting %T to ProfileBinding: want *v1.ProfileBinding", hub)
	}
	in := src.DeepCopy()
	p.ObjectMeta, p.Spec, p.Status = in.ObjectMeta, in.Spec, in.Status
	return nil
}

// ConvertTo converts this ProfileRecording to the v1 hub.
func (p *ProfileRecording) ConvertTo(hub conversion.Hub) error {
	dst, ok := hub.(*v1.ProfileRecording)
	if !ok {
		return fmt.Errorf("converting ProfileRecording to %T: want *v1.ProfileRecording", hub)
	}
	in := p.DeepCopy()
	dst.ObjectMeta, dst.Spec, dst.Status = in.ObjectMeta, in.Spec, in.Status
	lossless.Drop(&dst.ObjectMeta)
	return nil
}

// ConvertFrom converts the v1 hub to this ProfileRecording.
func (p *ProfileRecording) ConvertFrom(hub conversion.Hub) error {
	src, ok := hub.(*v1.ProfileRecording)
	if !ok {
		return fmt.Errorf("converting %T to ProfileRecording: want *v1.ProfileRecording", hub)
	}
	in := src.DeepCopy()
	p.ObjectMeta, p.Spec, p.Status = in.ObjectMeta, in.Spec, in.Status
	return nil
}
