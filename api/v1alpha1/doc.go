// Package v1alpha1 serves AppArmorProfile, ProfileBinding, ProfileRecording,
// SecurityProfilesOperatorDaemon and SecurityProfileNodeStatus in the
// version that manifests (and, for node statuses, the daemons) of older
// Security Profiles Operator releases use. It is deprecated and only converts: every object is stored as v1 (see api/v1/conversion.go),
// and what v1 has but v1alpha1 cannot hold travels in the
// spo.x-k8s.io/conversion-data annotation (see api/internal/lossless).
//
// The types reuse v1's leaf types and repeat v1's validation on purpose:
// anything v1alpha1 accepts must fit v1 exactly, or the stored object would
// be invalid in its own storage version.
//
// +kubebuilder:object:generate=true
// +groupName=security-profiles-operator.x-k8s.io
package v1alpha1
