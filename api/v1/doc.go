// Package v1 holds the storage version of every spo API kind, in the group
// security-profiles-operator.x-k8s.io so that manifests written for the
// Security Profiles Operator 1.0 apply unchanged.
//
// The Go doc comments on fields become the `kubectl explain` text, and the
// +kubebuilder markers become the OpenAPI schema and CEL rules the API server
// enforces: whatever can be checked without node-local knowledge (enums,
// patterns, bounds, field combinations) is refused at admission with a message
// naming the field. Checks that need the node (syscall names for an
// architecture, base profile chains) happen in the daemon and surface as
// status Error with a reason.
//
// +kubebuilder:object:generate=true
// +groupName=security-profiles-operator.x-k8s.io
package v1
