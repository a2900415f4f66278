package spod

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
)

// DefaultPriorityClassName keeps the daemon on a node under resource
// pressure: without it, profiles could not be installed where pods that
// need them start.
const DefaultPriorityClassName = "system-node-critical"

// Default returns the SPOD created when none exists in namespace. Every
// default is spelled out in the object rather than implied by the
// reconciler, so what runs is what `kubectl get spod` shows.
func Default(namespace string) *v1.SecurityProfilesOperatorDaemon {
	return &v1.SecurityProfilesOperatorDaemon{
		ObjectMeta: metav1.ObjectMeta{Name: v1.SPODName, Namespace: namespace},
		Spec: v1.SPODSpec{
			HostProcVolumePath: "/proc",
			Selinux:            v1.SelinuxConfig{EnableRawSelinuxProfiles: ptr.To(true)},
			Enricher:           v1.EnricherConfig{LogEnricherSource: SourceAuditd},
			Scheduling: v1.SchedulingConfig{
				PriorityClassName: DefaultPriorityClassName,
				// Profiles must reach every node, control-plane and tainted
				// nodes included.
				Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			},
			// OCI artifact base profiles must be signed unless someone
			// says otherwise (SPO's default).
			Security: v1.SecurityConfig{DisableOCIArtifactSignatureVerification: ptr.To(false)},
		},
	}
}
