package binding_test

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
	"github.com/secprofiles/spo/webhooks/binding"
)

// These specs go through the real API server, which calls the handler over
// TLS as the configuration webhooks/config writes tells it to.
var _ = Describe("the binding webhook, called by the API server", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		ns = newOptedInNamespace(ctx)
		warned.take()
	})

	It("gives an ephemeral container added through pods/ephemeralcontainers its bound profile", func(ctx SpecContext) {
		p := newSeccompProfile(ctx, v1.ProfileStateInstalled)
		newBinding(ctx, ns, "busybox", v1.BindingSeccompProfile, p.Name)
		created := pod(ns, ctr("web", "nginx:1.27"))
		Expect(k8s.Create(ctx, created)).To(Succeed())

		created.Spec.EphemeralContainers = append(created.Spec.EphemeralContainers, corev1.EphemeralContainer{
			EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debugger", Image: "docker.io/library/busybox:latest"},
		})
		Expect(k8s.SubResource("ephemeralcontainers").Update(ctx, created)).To(Succeed())

		got := &corev1.Pod{}
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(created), got)).To(Succeed())
		Expect(got.Spec.EphemeralContainers).To(HaveLen(1))
		Expect(got.Spec.EphemeralContainers[0].SecurityContext).NotTo(BeNil())
		Expect(got.Spec.EphemeralContainers[0].SecurityContext.SeccompProfile).To(Equal(localhost(localhostOf(p))))
	})

	It(`applies a "*" binding to every container no exact binding matched`, func(ctx SpecContext) {
		exact := newSeccompProfile(ctx, v1.ProfileStateInstalled)
		fallback := newSeccompProfile(ctx, v1.ProfileStateInstalled)
		newBinding(ctx, ns, "nginx:1.27", v1.BindingSeccompProfile, exact.Name)
		newBinding(ctx, ns, binding.AnyImage, v1.BindingSeccompProfile, fallback.Name)

		p := pod(ns, ctr("web", "docker.io/library/nginx:1.27"), ctr("side", "busybox"))
		p.Spec.InitContainers = []corev1.Container{ctr("setup", "alpine")}
		Expect(k8s.Create(ctx, p)).To(Succeed())

		Expect(seccompOf(p.Spec.Containers[0])).To(Equal(localhost(localhostOf(exact))), "the exact binding, however the image is spelled")
		Expect(seccompOf(p.Spec.Containers[1])).To(Equal(localhost(localhostOf(fallback))))
		Expect(seccompOf(p.Spec.InitContainers[0])).To(Equal(localhost(localhostOf(fallback))))
	})

	It(`replaces a container's own Unconfined under a "*" binding, with a warning the client sees`, func(ctx SpecContext) {
		fallback := newSeccompProfile(ctx, v1.ProfileStateInstalled)
		b := newBinding(ctx, ns, binding.AnyImage, v1.BindingSeccompProfile, fallback.Name)
		side := ctr("side", "busybox")
		side.SecurityContext = &corev1.SecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}}

		p := pod(ns, side)
		Expect(k8sWarned.Create(ctx, p)).To(Succeed())

		Expect(seccompOf(p.Spec.Containers[0])).To(Equal(localhost(localhostOf(fallback))))
		Expect(warned.take()).To(ContainElement(fmt.Sprintf(
			"container side: seccompProfile Unconfined replaced by %s from ProfileBinding %s/%s", localhostOf(fallback), ns, b.Name)))
	})

	It("denies a pod larger than the limit with a message naming the limit", func(ctx SpecContext) {
		// The request body stays under the API server's own limit; the
		// fields defaulting adds to every container take the pod past it.
		var containers []corev1.Container
		for i := range 25000 {
			containers = append(containers, ctr(fmt.Sprintf("c%05d", i), "i"))
		}

		err := k8s.Create(ctx, pod(ns, containers...), client.DryRunAll)

		Expect(err).To(MatchError(And(
			ContainSubstring(`admission webhook "%s" denied the request: `, webhooks.BindingWebhookName),
			ContainSubstring("the admission request for this pod is larger than %d bytes (6 MiB), the most the binding webhook decides", binding.MaxRequestBytes))))
	})
})

// newOptedInNamespace is a namespace the binding webhook is called for.
func newOptedInNamespace(ctx context.Context) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "tenant-",
		Labels: map[string]string{v1.LabelEnableBinding: "true"}}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	return ns.Name
}
