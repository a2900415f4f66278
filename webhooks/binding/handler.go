package binding

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/secprofiles/spo/api/v1"
)

// ReasonProfileNotInstalled is the reason of the Warning Event recorded on a
// binding whose profile could not be applied.
const ReasonProfileNotInstalled = "ProfileNotInstalled"

// Options tune the binding webhook.
type Options struct {
	// DenyNotInstalled denies pods that a binding applies to while its
	// profile is missing or not Installed, instead of admitting them
	// without it.
	DenyNotInstalled bool
}

// Handler applies ProfileBindings to pods at CREATE and to ephemeral
// containers as they are added.
type Handler struct {
	reader   client.Reader
	recorder events.EventRecorder
	opts     Options
}

var _ admission.Handler = &Handler{}

// NewHandler returns the binding handler. reader must be the manager's
// cache (mgr.GetClient()) with IndexBindings registered: bindings are found
// through that index, never by listing them all. recorder records the
// ProfileNotInstalled Events.
func NewHandler(reader client.Reader, recorder events.EventRecorder, opts Options) *Handler {
	return &Handler{reader: reader, recorder: recorder, opts: opts}
}

// SubresourceEphemeralContainers is the subresource through which
// `kubectl debug` adds ephemeral containers.
const SubresourceEphemeralContainers = "ephemeralcontainers"

// Handle decides a pod CREATE, or the ephemeral containers an UPDATE of
// pods/ephemeralcontainers adds; anything else is allowed untouched.
func (h *Handler) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Kind.Kind != "Pod" || req.Kind.Group != "" {
		return admission.Allowed("")
	}
	ephemeral := req.Operation == admissionv1.Update && req.SubResource == SubresourceEphemeralContainers
	if !ephemeral && (req.Operation != admissionv1.Create || req.SubResource != "") {
		return admission.Allowed("")
	}
	pod, err := decodePod(req.Object.Raw)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	// Pods created through a namespaced URL may leave their namespace empty.
	pod.Namespace = req.Namespace
	var old *corev1.Pod
	if ephemeral {
		if old, err = decodePod(req.OldObject.Raw); err != nil {
			return admission.Errored(http.StatusBadRequest, fmt.Errorf("the pod before the update: %w", err))
		}
	}

	outcomes, err := h.decide(ctx, pod, targets(pod, old))
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	resp := h.respond(pod, outcomes)
	logOutcomes(ctx, pod, outcomes, resp.Allowed)
	h.recordEvents(req, pod, outcomes, resp.Allowed)
	return resp
}

// decide reads the bindings and profiles that concern the targets of pod
// and returns what they do to it.
func (h *Handler) decide(ctx context.Context, pod *corev1.Pod, ts []target) ([]outcome, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	bindings, err := h.bindingsFor(ctx, pod.Namespace, ts)
	if err != nil {
		return nil, err
	}
	chosen, outcomes := choose(pod, ts, bindings)
	profiles, err := h.profilesFor(ctx, chosen)
	if err != nil {
		return nil, err
	}
	return append(outcomes, plan(pod, chosen, profiles)...), nil
}

// bindingsFor returns the bindings in namespace for any of the targets'
// images or "*": one indexed lookup per distinct image, plus one.
func (h *Handler) bindingsFor(ctx context.Context, namespace string, ts []target) ([]*v1.ProfileBinding, error) {
	var out []*v1.ProfileBinding
	for _, image := range imagesOf(ts) {
		var list v1.ProfileBindingList
		// Read-only: the decisions never modify a binding, so copying each
		// one out of the cache would only cost allocations.
		if err := h.reader.List(ctx, &list, client.InNamespace(namespace),
			client.MatchingFields{IndexImage: image}, client.UnsafeDisableDeepCopy); err != nil {
			return nil, fmt.Errorf("listing ProfileBindings for image %q in %s: %w", image, namespace, err)
		}
		for i := range list.Items {
			out = append(out, &list.Items[i])
		}
	}
	return out, nil
}

// imagesOf returns the distinct image keys of the targets, then "*".
func imagesOf(ts []target) []string {
	seen := make(map[string]bool, len(ts))
	var images []string
	for _, t := range ts {
		if t.image != AnyImage && !seen[t.image] {
			seen[t.image] = true
			images = append(images, t.image)
		}
	}
	return append(images, AnyImage)
}

// profilesFor reads each profile the chosen bindings reference once. A
// missing profile is not an error: the decisions warn about it.
func (h *Handler) profilesFor(ctx context.Context, chosen []assignment) (map[profileKey]profileInfo, error) {
	out := make(map[profileKey]profileInfo, len(chosen))
	for _, a := range chosen {
		k := keyOf(a.binding)
		if _, done := out[k]; done {
			continue
		}
		p, err := NewProfile(k.kind)
		if err != nil {
			return nil, err
		}
		err = h.reader.Get(ctx, client.ObjectKey{Name: k.name}, p)
		switch {
		case apierrors.IsNotFound(err):
			out[k] = profileInfo{}
		case err != nil:
			return nil, fmt.Errorf("getting %s %s: %w", k.kind, k.name, err)
		default:
			out[k] = infoOf(p)
		}
	}
	return out, nil
}

// respond turns the outcomes into the admission response: a denial when a
// profile is not installed and the options say so, otherwise the JSON
// patch of the changes (none when nothing changes) with the warnings. It
// applies the changes to pod, which the handler decoded for this request.
func (h *Handler) respond(pod *corev1.Pod, outcomes []outcome) admission.Response {
	if problems := notInstalled(outcomes); h.opts.DenyNotInstalled && len(problems) > 0 {
		return admission.Denied(strings.Join(problems, "; "))
	}
	warn := admittedWarnings(outcomes)
	resp := admission.Allowed("").WithWarnings(warn...)
	if ops := patch(pod, outcomes); len(ops) > 0 {
		resp.Patches = ops
		resp.PatchType = &jsonPatchType
	}
	return resp
}

func podName(pod *corev1.Pod) string {
	if pod.Name == "" {
		return pod.Namespace + "/" + pod.GenerateName
	}
	return pod.Namespace + "/" + pod.Name
}
