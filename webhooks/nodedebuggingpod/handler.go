package nodedebuggingpod

import (
	"context"
	"encoding/json"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// Handler tags node debugging pods. It keeps no state and reads nothing
// from the API: the request carries the pod and its UID.
type Handler struct{}

var _ admission.Handler = Handler{}

// Handle patches the env of a node debugging pod's containers. Anything
// else (another kind, operation or subresource, or an ordinary pod sent by
// a widened objectSelector) is admitted unchanged: this webhook adds
// metadata and never decides.
func (Handler) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create || req.Kind.Kind != "Pod" || req.SubResource != "" {
		return admission.Allowed("only pod CREATE is handled")
	}
	var pod corev1.Pod
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		logf.FromContext(ctx).Info("pod left unchanged: cannot decode it", "error", err.Error())
		return admission.Allowed("pod unmodified: cannot decode it")
	}
	if !IsNodeDebuggingPod(&pod) {
		return admission.Allowed("not a node debugging pod")
	}
	uid := string(req.UID)
	changes := Changes(&pod, uid)
	ops := make([]jsonpatch.JsonPatchOperation, 0, len(changes))
	for _, c := range changes {
		// "add" on an object member replaces it when present and creates
		// it when absent (env is omitempty), where "replace" would fail.
		ops = append(ops, jsonpatch.JsonPatchOperation{Operation: "add", Path: c.Path, Value: c.Env})
	}
	// The pod's name may be generated later (generateName): log what the
	// request says, the audit annotation carries the join key.
	logf.FromContext(ctx).V(1).Info("node debugging pod tagged", "namespace", req.Namespace,
		"name", pod.Name, "node", pod.Spec.NodeName, "requestUID", uid)
	resp := admission.Patched("node debugging pod request UID added", ops...)
	resp.AuditAnnotations = map[string]string{EnvName: uid}
	return resp
}
