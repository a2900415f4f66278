package integration

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
)

const (
	bindingNS   = "binding-ns"
	recordingNS = "recording-ns"
	logsNS      = "recording-logs-ns"
	lsmNS       = "recording-lsm-ns"
	plainNS     = "plain-ns"
)

var _ = Describe("Admission webhooks called by the API server over TLS", Ordered, func() {
	ctx := context.Background()

	BeforeAll(func() {
		for ns, label := range map[string]string{
			bindingNS: v1.LabelEnableBinding, recordingNS: v1.LabelEnableRecording,
			logsNS: v1.LabelEnableRecording, lsmNS: v1.LabelEnableRecording, plainNS: "",
		} {
			obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
			if label != "" {
				obj.Labels = map[string]string{label: "true"}
			}
			Expect(k8s.Create(ctx, obj)).To(Succeed())
		}
		apply(ctx, example("seccompprofile-webserver.yaml"))
		apply(ctx, example("seccompprofile-log-all.yaml"))
		Eventually(seccompState(ctx, "webserver")).Should(Equal(v1.ProfileStateInstalled))
		Eventually(seccompState(ctx, "log-all")).Should(Equal(v1.ProfileStateInstalled))
		applyIn(ctx, bindingNS, "profilebinding.yaml")
		applyIn(ctx, recordingNS, "profilerecording-seccomp-bpf.yaml")
		applyIn(ctx, logsNS, "profilerecording-seccomp-logs.yaml")
		applyIn(ctx, lsmNS, "profilerecording-selinux-logs.yaml")
		applyIn(ctx, lsmNS, "profilerecording-apparmor-bpf.yaml")

		Eventually(webhookReady).Should(Succeed(), "the webhook server answers a TLS handshake")
		Eventually(caBundles(ctx)).Should(HaveLen(2), "both webhooks carry the CA bundle")
		// Until the API server has picked up the configuration and its CA
		// bundle, pods pass unmutated or (binding fails closed) are refused:
		// wait for the first mutation.
		Eventually(func(g Gomega) *corev1.SeccompProfile {
			p := pod("probe-", bindingNS, nil, corev1.Container{Name: "web", Image: "nginx:1.27"})
			g.Expect(k8s.Create(ctx, p)).To(Succeed())
			return seccompOf(p.Spec.Containers[0])
		}).ShouldNot(BeNil())
		// The recordings reach the webhook's cache on their own schedule:
		// wait until each recording namespace's pods are annotated (two
		// recordings select the lsm namespace's pods).
		for ns, want := range map[string]int{recordingNS: 1, logsNS: 1, lsmNS: 2} {
			Eventually(func() map[string]string {
				p := pod("probe-", ns, map[string]string{"app": "my-app"}, corev1.Container{Name: "web", Image: "nginx"})
				Expect(k8s.Create(ctx, p, client.DryRunAll)).To(Succeed())
				return p.Annotations
			}).Should(HaveLen(want), "the webhook knows the recordings of %s", ns)
		}
		warned.take()
	})

	AfterAll(func() {
		for _, ns := range []string{bindingNS, recordingNS, logsNS, lsmNS, plainNS} {
			Expect(k8s.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(ns), client.GracePeriodSeconds(0))).To(Succeed())
		}
	})

	It("sets the bound profile on the container whose image matches, and lists the pod on the binding", func() {
		p := pod("web-", bindingNS, nil, corev1.Container{Name: "web", Image: "nginx:1.27"}, corev1.Container{Name: "side", Image: "busybox"})
		Expect(k8s.Create(ctx, p)).To(Succeed())
		Expect(p.Spec.Containers[0].SecurityContext.SeccompProfile).To(Equal(localhost("operator/webserver.json")))
		Expect(p.Spec.Containers[1].SecurityContext).To(BeNil())
		Expect(p.Spec.SecurityContext.SeccompProfile).To(BeNil())
		Eventually(func() []string {
			b := &v1.ProfileBinding{}
			_ = k8s.Get(ctx, client.ObjectKey{Namespace: bindingNS, Name: "nginx-webserver"}, b)
			return b.Status.ActiveWorkloads
		}).Should(ContainElement(bindingNS + "/" + p.Name))
	})

	It("leaves pods in namespaces without the label alone", func() {
		p := pod("web-", plainNS, nil, corev1.Container{Name: "web", Image: "nginx:1.27"})
		Expect(k8s.Create(ctx, p)).To(Succeed())
		Expect(p.Spec.Containers[0].SecurityContext).To(BeNil())
	})

	It("replaces a pre-set Unconfined profile and says so", func() {
		c := corev1.Container{Name: "web", Image: "nginx:1.27", SecurityContext: &corev1.SecurityContext{
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}}}
		p := pod("unconfined-", bindingNS, nil, c)
		Expect(k8sWarned.Create(ctx, p)).To(Succeed())
		Expect(p.Spec.Containers[0].SecurityContext.SeccompProfile).To(Equal(localhost("operator/webserver.json")))
		Expect(warned.take()).To(ContainElement(And(ContainSubstring("Unconfined"), ContainSubstring("operator/webserver.json"))))
	})

	It(`applies a "*" binding to every container no exact binding matched`, func() {
		star := &v1.ProfileBinding{ObjectMeta: metav1.ObjectMeta{Name: "default-profile", Namespace: bindingNS},
			Spec: v1.ProfileBindingSpec{Image: "*", ProfileRef: v1.ProfileRef{Kind: v1.BindingSeccompProfile, Name: "log-all"}}}
		Expect(k8s.Create(ctx, star)).To(Succeed())
		DeferCleanup(func() { Expect(k8s.Delete(ctx, star)).To(Succeed()) })
		Eventually(func() *corev1.SeccompProfile {
			p := pod("other-", bindingNS, nil, corev1.Container{Name: "side", Image: "busybox"})
			Expect(k8s.Create(ctx, p)).To(Succeed())
			return seccompOf(p.Spec.Containers[0])
		}).Should(Equal(localhost("operator/log-all.json")))

		p := pod("mixed-", bindingNS, nil, corev1.Container{Name: "web", Image: "nginx:1.27"}, corev1.Container{Name: "side", Image: "busybox"})
		Expect(k8s.Create(ctx, p)).To(Succeed())
		Expect(p.Spec.Containers[0].SecurityContext.SeccompProfile).To(Equal(localhost("operator/webserver.json")))
		Expect(p.Spec.Containers[1].SecurityContext.SeccompProfile).To(Equal(localhost("operator/log-all.json")))
		Expect(p.Spec.SecurityContext.SeccompProfile).To(BeNil())
	})

	It("admits a pod bound to a profile that does not exist, unchanged, with a warning", func() {
		b := &v1.ProfileBinding{ObjectMeta: metav1.ObjectMeta{Name: "missing", Namespace: bindingNS},
			Spec: v1.ProfileBindingSpec{Image: "redis:7", ProfileRef: v1.ProfileRef{Kind: v1.BindingSeccompProfile, Name: "nope"}}}
		Expect(k8s.Create(ctx, b)).To(Succeed())
		DeferCleanup(func() { Expect(k8s.Delete(ctx, b)).To(Succeed()) })
		Eventually(func() []string {
			p := pod("redis-", bindingNS, nil, corev1.Container{Name: "db", Image: "redis:7"})
			Expect(k8sWarned.Create(ctx, p)).To(Succeed())
			Expect(p.Spec.Containers[0].SecurityContext).To(BeNil())
			return warned.take()
		}).Should(ContainElement(ContainSubstring(`SeccompProfile nope`)))
	})

	It("marks every container, init containers included, for a bpf seccomp recording", func() {
		p := pod("rec-", recordingNS, map[string]string{"app": "my-app"},
			corev1.Container{Name: "web", Image: "nginx"}, corev1.Container{Name: "side", Image: "busybox"})
		p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox"}}
		Expect(k8s.Create(ctx, p)).To(Succeed())
		for _, c := range []string{"web", "side", "init"} {
			Expect(p.Annotations).To(HaveKeyWithValue("io.containers.trace-bpf/"+c, MatchRegexp(`^my-app_`+c+`_[a-z0-9]{5}_\d+$`)))
		}
	})

	It("replaces recording annotations a user set by hand", func() {
		p := pod("spoof-", recordingNS, map[string]string{"app": "my-app"}, corev1.Container{Name: "web", Image: "nginx"})
		p.Annotations = map[string]string{"io.containers.trace-bpf/web": "fake", "io.containers.trace-logs/web": "fake"}
		Expect(k8s.Create(ctx, p)).To(Succeed())
		Expect(p.Annotations).To(HaveKeyWithValue("io.containers.trace-bpf/web", MatchRegexp(`^my-app_web_`)))
		Expect(p.Annotations).NotTo(HaveKey("io.containers.trace-logs/web"))

		other := pod("spoof-", recordingNS, map[string]string{"app": "other"}, corev1.Container{Name: "web", Image: "nginx"})
		other.Annotations = map[string]string{"io.containers.trace-bpf/web": "fake"}
		Expect(k8s.Create(ctx, other)).To(Succeed())
		Expect(other.Annotations).NotTo(HaveKey("io.containers.trace-bpf/web"))
	})

	It("runs containers recorded from logs under the log-everything profile", func() {
		p := pod("logs-", logsNS, map[string]string{"app": "my-app"}, corev1.Container{Name: "web", Image: "nginx"})
		Expect(k8s.Create(ctx, p)).To(Succeed())
		Expect(p.Annotations).To(HaveKeyWithValue("io.containers.trace-logs/web", MatchRegexp(`^my-app-logs_web_`)))
		Expect(p.Spec.Containers[0].SecurityContext.SeccompProfile).To(Equal(localhost("operator/log-enricher-trace.json")))
	})

	It("marks SELinux and AppArmor recordings with their own prefixes and containers", func() {
		p := pod("lsm-", lsmNS, map[string]string{"app": "my-app"},
			corev1.Container{Name: "web", Image: "nginx"}, corev1.Container{Name: "side", Image: "busybox"})
		Expect(k8s.Create(ctx, p)).To(Succeed())
		Expect(p.Annotations).To(HaveKeyWithValue("io.containers.trace-avcs/web", MatchRegexp(`^my-app-selinux_web_`)))
		Expect(p.Annotations).NotTo(HaveKey("io.containers.trace-avcs/side"))
		Expect(p.Annotations).To(HaveKey("io.containers.trace-bpf-apparmor/web"))
		Expect(p.Annotations).To(HaveKey("io.containers.trace-bpf-apparmor/side"))
		Expect(p.Spec.Containers[0].SecurityContext.SELinuxOptions.Type).To(Equal("selinuxrecording.process"))
	})

	It("keeps admitting through a forced certificate rotation", func() {
		mutated := func(i int) bool {
			p := pod(fmt.Sprintf("rotate-%d-", i), bindingNS, nil, corev1.Container{Name: "web", Image: "nginx:1.27"})
			Expect(k8s.Create(ctx, p)).To(Succeed())
			return seccompOf(p.Spec.Containers[0]) != nil
		}
		before := caBundles(ctx)()
		for i := 0; i < 5; i++ {
			Expect(mutated(i)).To(BeTrue(), "before rotation")
		}
		done := make(chan error, 1)
		go func() { defer GinkgoRecover(); done <- issuer.Rotate(ctx) }()
		for i := 5; i < 25; i++ {
			Expect(mutated(i)).To(BeTrue(), "during rotation, pod %d", i)
		}
		Expect(<-done).To(Succeed())
		Eventually(caBundles(ctx)).ShouldNot(Equal(before))
		for i := 25; i < 35; i++ {
			Expect(mutated(i)).To(BeTrue(), "after rotation, pod %d", i)
		}
	})
})

func applyIn(ctx context.Context, ns, file string) {
	for _, o := range readManifests(example(file)) {
		o.SetNamespace(ns)
		Expect(k8s.Patch(ctx, o, client.Apply, client.FieldOwner("integration-test"), client.ForceOwnership)).To(Succeed(), file)
	}
}

func pod(prefix, ns string, labels map[string]string, containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: prefix, Namespace: ns, Labels: labels},
		Spec:       corev1.PodSpec{Containers: containers},
	}
}

func localhost(path string) *corev1.SeccompProfile {
	return &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &path}
}

// caBundles returns the CA bundles of the spo webhooks.
func caBundles(ctx context.Context) func() []string {
	return func() []string {
		cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: webhooks.MutatingConfigName}, cfg); err != nil {
			return nil
		}
		var bundles []string
		for _, w := range cfg.Webhooks {
			if len(w.ClientConfig.CABundle) > 0 {
				bundles = append(bundles, string(w.ClientConfig.CABundle))
			}
		}
		return bundles
	}
}

// conversionReady says whether a CRD converts through the webhook.
func conversionReady(ctx context.Context, crd string) func() bool {
	return func() bool {
		obj := &apiextensionsv1.CustomResourceDefinition{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: crd}, obj); err != nil {
			return false
		}
		c := obj.Spec.Conversion
		return c != nil && c.Strategy == apiextensionsv1.WebhookConverter && c.Webhook != nil &&
			c.Webhook.ClientConfig != nil && len(c.Webhook.ClientConfig.CABundle) > 0
	}
}

func seccompOf(c corev1.Container) *corev1.SeccompProfile {
	if c.SecurityContext == nil {
		return nil
	}
	return c.SecurityContext.SeccompProfile
}
