package recording

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Handler is the recording webhook's admission handler.
type Handler struct {
	reader client.Reader
	// Rand is the source of the nonce; Now stamps the annotations. Tests
	// replace them to get fixed values.
	Rand io.Reader
	Now  func() time.Time
}

var _ admission.Handler = (*Handler)(nil)

// NewHandler returns a handler that reads ProfileRecordings through c
// (normally the manager's cached client) and uses real randomness and time.
func NewHandler(c client.Reader) *Handler {
	return &Handler{reader: c, Rand: rand.Reader, Now: time.Now}
}

// Handle annotates a pod being created for the recordings that select it.
func (h *Handler) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create {
		return admission.Allowed("only pod creation is handled")
	}
	var pod corev1.Pod
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decoding the pod: %w", err))
	}
	recordings, err := h.recordings(ctx, req.Namespace)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	nonce, err := newNonce(h.Rand)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	p, err := plan(&pod, recordings, nonce, h.Now())
	if err != nil {
		logf.FromContext(ctx).Info("denied pod", "pod", podRef(req.Namespace, &pod), "reason", err.Error())
		return admission.Denied(err.Error())
	}
	logDecisions(ctx, podRef(req.Namespace, &pod), p.decisions)
	return respond(&pod, p)
}

// recordings lists the namespace's ProfileRecordings. The pod's own
// namespace field may still be empty at admission; the request's is not.
func (h *Handler) recordings(ctx context.Context, namespace string) ([]v1.ProfileRecording, error) {
	var list v1.ProfileRecordingList
	if err := h.reader.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return nil, fmt.Errorf("listing ProfileRecordings in %q: %w", namespace, err)
	}
	return list.Items, nil
}

// respond encodes the plan as a JSON patch. The patch is the difference
// between the decoded pod and the mutated one, not between the request's
// raw object and the mutated pod: fields this build's Pod type does not know
// (an API server newer than the webhook) appear in neither, so the patch
// leaves them alone instead of removing them.
func respond(pod *corev1.Pod, p podPlan) admission.Response {
	if !p.changed {
		return admission.Allowed("").WithWarnings(p.warnings...)
	}
	mutated := pod.DeepCopy()
	apply(mutated, p)
	before, err := json.Marshal(pod)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("encoding the pod: %w", err))
	}
	after, err := json.Marshal(mutated)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("encoding the mutated pod: %w", err))
	}
	return admission.PatchResponseFromRaw(before, after).WithWarnings(p.warnings...)
}

func logDecisions(ctx context.Context, pod string, decisions []decision) {
	log := logf.FromContext(ctx)
	for _, d := range decisions {
		kv := []any{"pod", pod}
		for _, f := range [][2]string{{"container", d.container}, {"recording", d.recording}, {"annotation", d.annotation}} {
			if f[1] != "" {
				kv = append(kv, f[0], f[1])
			}
		}
		log.Info(d.action, kv...)
	}
}

// podRef names the pod for logs; pods from generateName have no name yet.
func podRef(namespace string, pod *corev1.Pod) string {
	name := pod.Name
	if name == "" {
		name = pod.GenerateName + "*"
	}
	return namespace + "/" + name
}
