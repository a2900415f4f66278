package bindings_test

import (
	"context"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
)

var _ = Describe("the bindings reconciler", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "bindings-"}}
		Expect(k8s.Create(ctx, namespace)).To(Succeed())
		ns = namespace.Name
	})

	It("lists a pod carrying the binding's profile and empties the list when it is deleted", func(ctx SpecContext) {
		p := newProfile(ctx, true)
		b := newBinding(ctx, ns, "nginx:1.27", p.Name, nil)

		pod := newPod(ctx, ns, "web", container("web", "nginx:1.27", localhost(localhostOf(p))))
		Eventually(activeWorkloads(ctx, b)).Should(Equal([]string{ns + "/" + pod.Name}))

		deleteNow(ctx, pod)
		Eventually(activeWorkloads(ctx, b)).Should(BeEmpty())
	})

	It("lists exactly the pods that carry the profile where the binding writes it, sorted", func(ctx SpecContext) {
		p := newProfile(ctx, true)
		b := newBinding(ctx, ns, "nginx:1.27", p.Name, map[string]string{"app": "web"})
		ref := localhost(localhostOf(p))

		second := newPod(ctx, ns, "web", container("web", "nginx:1.27", ref))
		first := newPod(ctx, ns, "web", container("setup", "busybox", nil), container("web", "nginx:1.27", ref))
		newPod(ctx, ns, "web", container("web", "nginx:1.27", nil))            // does not carry it
		newPod(ctx, ns, "web", container("web", "nginx:1.26", ref))            // another image
		newPod(ctx, ns, "db", container("web", "nginx:1.27", ref))             // podSelector excludes it
		newPod(ctx, ns, "web", container("web", "nginx:1.27", localhost("x"))) // another profile

		want := []string{ns + "/" + first.Name, ns + "/" + second.Name}
		slices.Sort(want)
		Eventually(activeWorkloads(ctx, b)).Should(Equal(want))
		Consistently(activeWorkloads(ctx, b), time.Second).Should(Equal(want))
	})

	// The binding webhook writes a "*" binding's profile into each
	// container no exact binding matched, never at pod level.
	It("lists a pod whose container carries a * binding's profile", func(ctx SpecContext) {
		p := newProfile(ctx, true)
		b := newBinding(ctx, ns, "*", p.Name, nil)

		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "pod-", Namespace: ns},
			Spec: corev1.PodSpec{
				Containers: []corev1.Container{container("app", "anything", localhost(localhostOf(p)))},
			},
		}
		Expect(k8s.Create(ctx, pod)).To(Succeed())

		Eventually(activeWorkloads(ctx, b)).Should(Equal([]string{ns + "/" + pod.Name}))
	})

	It("stops listing a pod that finished", func(ctx SpecContext) {
		p := newProfile(ctx, true)
		b := newBinding(ctx, ns, "nginx:1.27", p.Name, nil)
		pod := newPod(ctx, ns, "web", container("web", "nginx:1.27", localhost(localhostOf(p))))
		Eventually(activeWorkloads(ctx, b)).Should(HaveLen(1))

		pod.Status.Phase = corev1.PodSucceeded
		Expect(k8s.Status().Update(ctx, pod)).To(Succeed())

		Eventually(activeWorkloads(ctx, b)).Should(BeEmpty())
	})

	It("lists pods once the profile publishes its reference", func(ctx SpecContext) {
		p := newProfile(ctx, false)
		b := newBinding(ctx, ns, "nginx:1.27", p.Name, nil)
		pod := newPod(ctx, ns, "web", container("web", "nginx:1.27", localhost(localhostOf(p))))
		Consistently(activeWorkloads(ctx, b), time.Second).Should(BeEmpty())

		publish(ctx, p)

		Eventually(activeWorkloads(ctx, b)).Should(Equal([]string{ns + "/" + pod.Name}))
	})
})

func newProfile(ctx context.Context, published bool) *v1.SeccompProfile {
	p := &v1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "sp-"},
		Spec:       v1.SeccompProfileSpec{DefaultAction: v1.ActErrno},
	}
	Expect(k8s.Create(ctx, p)).To(Succeed())
	if published {
		publish(ctx, p)
	}
	return p
}

// publish plays the nodestatus reconciler's part.
func publish(ctx context.Context, p *v1.SeccompProfile) {
	base := p.DeepCopy()
	p.Status.Status = v1.ProfileStateInstalled
	p.Status.LocalhostProfile = localhostOf(p)
	Expect(k8s.Status().Patch(ctx, p, client.MergeFrom(base))).To(Succeed())
}

func localhostOf(p *v1.SeccompProfile) string { return "operator/" + p.Name + ".json" }

func newBinding(ctx context.Context, ns, image, profile string, selector map[string]string) *v1.ProfileBinding {
	b := &v1.ProfileBinding{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "pb-", Namespace: ns},
		Spec: v1.ProfileBindingSpec{
			Image:      image,
			ProfileRef: v1.ProfileRef{Kind: v1.BindingSeccompProfile, Name: profile},
		},
	}
	if selector != nil {
		b.Spec.PodSelector = &metav1.LabelSelector{MatchLabels: selector}
	}
	Expect(k8s.Create(ctx, b)).To(Succeed())
	return b
}

func newPod(ctx context.Context, ns, app string, containers ...corev1.Container) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "pod-", Namespace: ns, Labels: map[string]string{"app": app}},
		Spec:       corev1.PodSpec{Containers: containers},
	}
	Expect(k8s.Create(ctx, pod)).To(Succeed())
	return pod
}

func container(name, image string, sp *corev1.SeccompProfile) corev1.Container {
	c := corev1.Container{Name: name, Image: image}
	if sp != nil {
		c.SecurityContext = &corev1.SecurityContext{SeccompProfile: sp}
	}
	return c
}

func localhost(path string) *corev1.SeccompProfile {
	return &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &path}
}

// deleteNow removes a pod at once: envtest has no kubelet to confirm that
// its containers stopped.
func deleteNow(ctx context.Context, pod *corev1.Pod) {
	Expect(k8s.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())
	Eventually(func() error {
		return k8s.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{})
	}).Should(Satisfy(apierrors.IsNotFound))
}

func activeWorkloads(ctx context.Context, b *v1.ProfileBinding) func() []string {
	return func() []string {
		got := &v1.ProfileBinding{}
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), got)).To(Succeed())
		return got.Status.ActiveWorkloads
	}
}
