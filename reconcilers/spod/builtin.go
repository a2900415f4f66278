package spod

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks/recording"
)

// LabelManagedBy marks the profiles the operator itself keeps.
const LabelManagedBy = "app.kubernetes.io/managed-by"

// BuiltinProfiles are the profiles the operator itself needs on every
// node: the log-everything seccomp profile the recording webhook puts
// containers recorded with recorder Logs under, so the kernel audits every
// syscall they make (webhooks/recording.LogEverythingProfile). They are
// cluster-scoped, so they cannot be owned by the namespaced SPOD; they are
// applied like the DaemonSet, so an edit is reverted and a deletion undone.
func BuiltinProfiles() []client.Object {
	return []client.Object{&v1.SeccompProfile{
		TypeMeta: metav1.TypeMeta{APIVersion: v1.GroupVersion.String(), Kind: "SeccompProfile"},
		ObjectMeta: metav1.ObjectMeta{Name: recording.LogEverythingProfile,
			Labels: map[string]string{LabelManagedBy: "spo"}},
		Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActLog},
	}}
}
