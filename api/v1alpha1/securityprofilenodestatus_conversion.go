package v1alpha1

import (
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/conversion"

	"github.com/secprofiles/spo/api/internal/lossless"
	v1 "github.com/secprofiles/spo/api/v1"
)

// nodeStatusKept is what a v1 SecurityProfileNodeStatus holds and v1alpha1
// has no field for: which profile it reports on, and why it is in Error.
type nodeStatusKept struct {
	ProfileKind string `json:"profileKind,omitempty"`
	ProfileName string `json:"profileName,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Message     string `json:"message,omitempty"`
	Path        string `json:"path,omitempty"`
}

// ConvertTo converts this SecurityProfileNodeStatus to the v1 hub. A report
// SPO wrote has nothing kept: its profile is known only by its owner
// reference and labels, and spo's daemon rewrites the report in v1 when it
// takes the profile over.
func (s *SecurityProfileNodeStatus) ConvertTo(hub conversion.Hub) error {
	dst, ok := hub.(*v1.SecurityProfileNodeStatus)
	if !ok {
		return fmt.Errorf("converting SecurityProfileNodeStatus to %T: want *v1.SecurityProfileNodeStatus", hub)
	}
	in := s.DeepCopy()
	dst.ObjectMeta = in.ObjectMeta
	kept := lossless.Restore[nodeStatusKept](&dst.ObjectMeta)
	dst.Spec = v1.SecurityProfileNodeStatusSpec{NodeName: in.NodeName, ProfileKind: kept.ProfileKind, ProfileName: kept.ProfileName}
	dst.Status = v1.SecurityProfileNodeStatusStatus{
		Status: in.Status, Reason: kept.Reason, Message: kept.Message, Path: kept.Path,
	}
	return nil
}

// ConvertFrom converts the v1 hub to this SecurityProfileNodeStatus.
func (s *SecurityProfileNodeStatus) ConvertFrom(hub conversion.Hub) error {
	src, ok := hub.(*v1.SecurityProfileNodeStatus)
	if !ok {
		return fmt.Errorf("converting %T to SecurityProfileNodeStatus: want *v1.SecurityProfileNodeStatus", hub)
	}
	in := src.DeepCopy()
	s.ObjectMeta = in.ObjectMeta
	s.Spec = SecurityProfileNodeStatusSpec{}
	s.NodeName = in.Spec.NodeName
	s.Status = in.Status.Status
	return lossless.Keep(&s.ObjectMeta, nodeStatusKept{
		ProfileKind: in.Spec.ProfileKind, ProfileName: in.Spec.ProfileName,
		Reason: in.Status.Reason, Message: in.Status.Message, Path: in.Status.Path,
	})
}
