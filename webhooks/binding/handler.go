package binding

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
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

// Handler applies ProfileBindings to pods at CREATE.
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

// Handle decides one pod CREATE; anything else is allowed untouched.
func (h *Handler) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create || req.Kind.Kind != "Pod" || req.Kind.Group != "" || req.SubResource != "" {
		return admission.Allowed("")
	}
	pod := &corev1.Pod{}
	if err := json.Unmarshal(req.Object.Raw, pod); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decoding pod: %w", err))
	}
	// Pods created through a namespaced URL may leave their namespace empty.
	pod.Namespace = req.Namespace

	outcomes, err := h.decide(ctx, pod)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	resp := h.respond(pod, outcomes)
	logOutcomes(ctx, pod, outcomes, resp.Allowed)
	h.recordEvents(req, pod, outcomes, resp.Allowed)
	return resp
}

// decide reads the bindings and profiles that concern pod and returns what
// they do to it.
func (h *Handler) decide(ctx context.Context, pod *corev1.Pod) ([]outcome, error) {
	bindings, err := h.bindingsFor(ctx, pod)
	if err != nil {
		return nil, err
	}
	chosen, outcomes := choose(pod, bindings)
	profiles, err := h.profilesFor(ctx, chosen)
	if err != nil {
		return nil, err
	}
	return append(outcomes, plan(pod, chosen, profiles)...), nil
}

// bindingsFor returns the bindings in pod's namespace for any of its images
// or "*": one indexed lookup per distinct image, plus one.
func (h *Handler) bindingsFor(ctx context.Context, pod *corev1.Pod) ([]*v1.ProfileBinding, error) {
	var out []*v1.ProfileBinding
	for _, image := range imagesOf(pod) {
		var list v1.ProfileBindingList
		// Read-only: the decisions never modify a binding, so copying each
		// one out of the cache would only cost allocations.
		if err := h.reader.List(ctx, &list, client.InNamespace(pod.Namespace),
			client.MatchingFields{IndexImage: image}, client.UnsafeDisableDeepCopy); err != nil {
			return nil, fmt.Errorf("listing ProfileBindings for image %q in %s: %w", image, pod.Namespace, err)
		}
		for i := range list.Items {
			out = append(out, &list.Items[i])
		}
	}
	return out, nil
}

// imagesOf returns the distinct images of pod's containers, then "*".
func imagesOf(pod *corev1.Pod) []string {
	var images []string
	forEachContainer(pod, func(_ target, c *corev1.Container) {
		if c.Image != AnyImage && !slices.Contains(images, c.Image) {
			images = append(images, c.Image)
		}
	})
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
// patch of the changes (none when nothing changes) with the warnings.
func (h *Handler) respond(pod *corev1.Pod, outcomes []outcome) admission.Response {
	if problems := notInstalled(outcomes); h.opts.DenyNotInstalled && len(problems) > 0 {
		return admission.Denied(strings.Join(problems, "; "))
	}
	warn := admittedWarnings(outcomes)
	if !changed(outcomes) {
		return admission.Allowed("").WithWarnings(warn...)
	}
	mutated := pod.DeepCopy()
	apply(mutated, outcomes)
	// Diff two encodings of the same Go object rather than the raw request
	// against an encoding: the patch then holds our changes only, not
	// defaults and empty fields that encoding adds.
	original, err := json.Marshal(pod)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("encoding pod: %w", err))
	}
	current, err := json.Marshal(mutated)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("encoding mutated pod: %w", err))
	}
	return admission.PatchResponseFromRaw(original, current).WithWarnings(warn...)
}

func podName(pod *corev1.Pod) string {
	if pod.Name == "" {
		return pod.Namespace + "/" + pod.GenerateName
	}
	return pod.Namespace + "/" + pod.Name
}
