// Package rbac checks what spo's service accounts may do, against the
// roles and admission policies config/default ships (generated from the
// +kubebuilder:rbac markers), applied to a real kube-apiserver (envtest):
//
//   - a matrix of `kubectl auth can-i --as=system:serviceaccount:…` rows
//     (subject, verb, resource, name, namespace, expected answer): the
//     webhook writes only its MutatingWebhookConfiguration and spo's CRDs
//     (by name), the manager writes workloads only in its namespace, the
//     daemon cannot write profiles' status or anything outside spo's API;
//   - the ValidatingAdmissionPolicies of config/policy-daemon, through
//     requests made with a daemon pod's bound token (which carries its
//     node's name): a daemon writes only its own node's
//     SecurityProfileNodeStatus objects and never a profile's spec;
//   - the ValidatingAdmissionPolicy of config/policy-manager, through
//     requests impersonating spo-manager: of a node, the manager changes
//     the selinuxd label node-restriction.kubernetes.io/spo-selinuxd and
//     nothing else.
//
// The control plane comes from hack/controlplane.sh (kubectl included).
package rbac
