package restricted

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon"
	"github.com/secprofiles/spo/reconcilers/spod"
	"github.com/secprofiles/spo/test/controlplane"
	"github.com/secprofiles/spo/webhooks"
	"github.com/secprofiles/spo/webhooks/recording"
)

var app = map[string]string{"app": "web"}

func recordingIn(ns string) *v1.ProfileRecording {
	return &v1.ProfileRecording{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: v1.ProfileRecordingSpec{Kind: v1.RecordingSeccompProfile, Recorder: v1.RecorderBpf,
			PodSelector: metav1.LabelSelector{MatchLabels: app}}}
}

func pod(ns string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "web-", Namespace: ns, Labels: app},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}
}

var _ = Describe("components restricted to one namespace", Ordered, func() {
	BeforeAll(func(ctx SpecContext) {
		for _, ns := range []string{inside, outside} {
			Expect(k8s.Create(ctx, recordingIn(ns))).To(Succeed())
		}
	})

	It("sends only the namespace's pods to the webhooks", func(ctx SpecContext) {
		Eventually(func(g Gomega) {
			c := &admissionregistrationv1.MutatingWebhookConfiguration{}
			g.Expect(k8s.Get(ctx, client.ObjectKey{Name: webhooks.MutatingConfigName}, c)).To(Succeed())
			g.Expect(c.Webhooks).To(HaveLen(2))
			for _, w := range c.Webhooks {
				g.Expect(w.NamespaceSelector.MatchExpressions).To(ContainElement(metav1.LabelSelectorRequirement{
					Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpIn, Values: []string{inside}}), w.Name)
			}
		}).Should(Succeed())
	})

	It("records the namespace's pods and lists them on its recording", func(ctx SpecContext) {
		var p *corev1.Pod
		Eventually(func() map[string]string {
			p = pod(inside)
			Expect(k8s.Create(ctx, p)).To(Succeed())
			return p.Annotations
		}).Should(HaveLen(1))
		Eventually(func() []string {
			r := &v1.ProfileRecording{}
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(recordingIn(inside)), r)).To(Succeed())
			return r.Status.ActiveWorkloads
		}).Should(ContainElement(p.Name))
	})

	It("does not mutate pods of another namespace, nor list them on its recording", func(ctx SpecContext) {
		// The same recording and opt-in label in the other namespace.
		p := pod(outside)
		Expect(k8s.Create(ctx, p)).To(Succeed())
		Expect(p.Annotations).To(BeEmpty())
		// A pod annotated by hand as the webhook would have: the manager
		// does not see it, so the recording never lists it.
		a := recording.Annotation{Prefix: "io.containers.trace-bpf/", Container: "web", Recording: "web",
			Nonce: "abc", Unix: time.Now().Unix()}
		annotated := pod(outside)
		annotated.Annotations = map[string]string{a.Key(): a.Value()}
		Expect(k8s.Create(ctx, annotated)).To(Succeed())
		Consistently(func() []string {
			r := &v1.ProfileRecording{}
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(recordingIn(outside)), r)).To(Succeed())
			return r.Status.ActiveWorkloads
		}, "3s").Should(BeEmpty())
	})

	It("has the manager hand the namespace on to the daemon and the webhook server", func(ctx SpecContext) {
		want := corev1.EnvVar{Name: "RESTRICT_TO_NAMESPACE", Value: inside}
		Eventually(func(g Gomega) {
			ds := &appsv1.DaemonSet{}
			g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: operatorNamespace, Name: spod.DaemonSetName}, ds)).To(Succeed())
			g.Expect(ds.Spec.Template.Spec.Containers[0].Env).To(ContainElement(want))
			d := &appsv1.Deployment{}
			g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: operatorNamespace, Name: spod.WebhookName}, d)).To(Succeed())
			g.Expect(d.Spec.Template.Spec.Containers[0].Env).To(ContainElement(want))
		}).Should(Succeed())
	})

	It("has the daemon watch its node's pods of the namespace only", func(ctx SpecContext) {
		for _, ns := range []string{inside, outside} {
			p := pod(ns)
			p.Spec.NodeName = "node-1"
			Expect(k8s.Create(ctx, p)).To(Succeed())
		}
		cfg := daemon.Config{Node: "node-1", Namespace: operatorNamespace, RestrictNamespace: inside}
		opts := daemon.CacheOptions(cfg)
		opts.Scheme = controlplane.Scheme()
		c, err := cache.New(restConfig, opts)
		Expect(err).NotTo(HaveOccurred())
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = c.Start(cctx) }()
		DeferCleanup(func() { cancel(); <-done })
		Expect(c.WaitForCacheSync(ctx)).To(BeTrue())
		Eventually(func() []string {
			var pods corev1.PodList
			Expect(c.List(ctx, &pods)).To(Succeed())
			var where []string
			for _, p := range pods.Items {
				where = append(where, p.Namespace+" on "+p.Spec.NodeName)
			}
			return where
		}).Should(ConsistOf(inside + " on node-1"))
	})
})
