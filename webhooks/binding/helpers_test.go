package binding_test

import (
	"context"
	"encoding/json"

	jsonpatch "github.com/evanphx/json-patch/v5"
	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks/binding"
)

func newNamespace(ctx context.Context) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "binding-"}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// newSeccompProfile creates a profile and plays the nodestatus reconciler's
// part: no daemon runs here, so the test writes the status.
func newSeccompProfile(ctx context.Context, state v1.ProfileState) *v1.SeccompProfile {
	p := &v1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "sp-"},
		Spec:       v1.SeccompProfileSpec{DefaultAction: v1.ActErrno},
	}
	Expect(k8s.Create(ctx, p)).To(Succeed())
	base := p.DeepCopy()
	p.Status.Status = state
	p.Status.LocalhostProfile = localhostOf(p)
	Expect(k8s.Status().Patch(ctx, p, client.MergeFrom(base))).To(Succeed())
	Eventually(func(g Gomega) {
		got := &v1.SeccompProfile{}
		g.Expect(cached.Get(ctx, client.ObjectKeyFromObject(p), got)).To(Succeed())
		g.Expect(got.Status.Status).To(Equal(state))
	}).Should(Succeed(), "the cache sees the profile's status")
	return p
}

func localhostOf(p *v1.SeccompProfile) string { return "operator/" + p.Name + ".json" }

// newBinding creates a binding and waits until the handler's index finds it.
func newBinding(ctx context.Context, ns, image string, kind v1.ProfileBindingKind, profile string,
	mutate ...func(*v1.ProfileBinding)) *v1.ProfileBinding {
	b := &v1.ProfileBinding{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "pb-", Namespace: ns},
		Spec:       v1.ProfileBindingSpec{Image: image, ProfileRef: v1.ProfileRef{Kind: kind, Name: profile}},
	}
	for _, m := range mutate {
		m(b)
	}
	Expect(k8s.Create(ctx, b)).To(Succeed())
	Eventually(func() []string {
		var list v1.ProfileBindingList
		Expect(cached.List(ctx, &list, client.InNamespace(ns), client.MatchingFields{binding.IndexImage: binding.ImageKey(image)})).To(Succeed())
		var names []string
		for _, item := range list.Items {
			names = append(names, item.Name)
		}
		return names
	}).Should(ContainElement(b.Name), "the index finds the binding")
	return b
}

func selectingApp(app string) func(*v1.ProfileBinding) {
	return func(b *v1.ProfileBinding) {
		b.Spec.PodSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
	}
}

func pod(ns string, containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "web-", Namespace: ns, Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: containers},
	}
}

func ctr(name, image string) corev1.Container { return corev1.Container{Name: name, Image: image} }

// request is the AdmissionRequest the API server would send for creating
// pod, decoded from the same JSON the webhook server receives.
func request(p *corev1.Pod, dryRun bool) admission.Request {
	raw, err := json.Marshal(p)
	Expect(err).NotTo(HaveOccurred())
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:         uuid.NewUUID(),
			Kind:        metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource:    metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
			RequestKind: &metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Namespace:   p.Namespace,
			Operation:   admissionv1.Create,
			Object:      runtime.RawExtension{Raw: raw},
			Options:     runtime.RawExtension{Raw: []byte(`{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1"}`)},
			DryRun:      &dryRun,
		},
	}
	wire, err := json.Marshal(review)
	Expect(err).NotTo(HaveOccurred())
	var decoded admissionv1.AdmissionReview
	Expect(json.Unmarshal(wire, &decoded)).To(Succeed())
	return admission.Request{AdmissionRequest: *decoded.Request}
}

// patched applies the response's JSON patch to the request's pod, as the
// API server does.
func patched(req admission.Request, resp admission.Response) *corev1.Pod {
	ops, err := json.Marshal(resp.Patches)
	Expect(err).NotTo(HaveOccurred())
	patch, err := jsonpatch.DecodePatch(ops)
	Expect(err).NotTo(HaveOccurred())
	raw, err := patch.Apply(req.Object.Raw)
	Expect(err).NotTo(HaveOccurred())
	out := &corev1.Pod{}
	Expect(json.Unmarshal(raw, out)).To(Succeed())
	return out
}

// notes returns the notes of the ProfileNotInstalled Events about b.
func notes(ctx context.Context, b *v1.ProfileBinding) func() []string {
	return func() []string {
		var list eventsv1.EventList
		Expect(k8s.List(ctx, &list, client.InNamespace(b.Namespace))).To(Succeed())
		var out []string
		for _, e := range list.Items {
			if e.Regarding.Kind == "ProfileBinding" && e.Regarding.Name == b.Name && e.Reason == binding.ReasonProfileNotInstalled {
				Expect(e.Type).To(Equal(corev1.EventTypeWarning))
				out = append(out, e.Note)
			}
		}
		return out
	}
}

func seccompOf(c corev1.Container) *corev1.SeccompProfile {
	if c.SecurityContext == nil {
		return nil
	}
	return c.SecurityContext.SeccompProfile
}

func localhost(path string) *corev1.SeccompProfile {
	return &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &path}
}
