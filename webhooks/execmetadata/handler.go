package execmetadata

import (
	"context"
	"encoding/json"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// Handler rewrites pods/exec requests. It keeps no state: the request
// carries everything it needs.
type Handler struct{}

var _ admission.Handler = Handler{}

// Handle patches the PodExecOptions' command. Anything else (another
// kind or operation, reaching it through a hand-edited configuration) is
// admitted unchanged: this webhook adds metadata and never decides.
func (Handler) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Connect || req.Kind.Kind != "PodExecOptions" {
		return admission.Allowed("only pods/exec CONNECT is handled")
	}
	var opts corev1.PodExecOptions
	if err := json.Unmarshal(req.Object.Raw, &opts); err != nil {
		// Not refused: an exec is never blocked for want of metadata
		// (the API server would not send such an object anyway).
		logf.FromContext(ctx).Info("exec request left unchanged: cannot decode it", "error", err.Error())
		return admission.Allowed("exec request unmodified: cannot decode it")
	}
	if len(opts.Command) == 0 {
		// The API server refuses an exec without a command anyway.
		return admission.Allowed("no command")
	}
	uid := string(req.UID)
	cmd := Rewrite(opts.Command, uid)
	logf.FromContext(ctx).V(1).Info("exec request tagged", "namespace", req.Namespace, "pod", req.Name,
		"container", opts.Container, "requestUID", uid)
	resp := admission.Patched("exec request UID added",
		jsonPatch("replace", "/command", cmd))
	// The audit log names the user; the enricher's lines name the UID:
	// this annotation joins them.
	resp.AuditAnnotations = map[string]string{EnvName: uid}
	return resp
}

func jsonPatch(op, path string, value any) jsonpatch.JsonPatchOperation {
	return jsonpatch.JsonPatchOperation{Operation: op, Path: path, Value: value}
}
