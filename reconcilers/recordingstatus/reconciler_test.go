package recordingstatus_test

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks/recording"
)

var _ = Describe("the recording status reconciler", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "recordingstatus-"}}
		Expect(k8s.Create(ctx, namespace)).To(Succeed())
		ns = namespace.Name
	})

	It("lists exactly the pods annotated for the recording, sorted, and empties the list when they go", func(ctx SpecContext) {
		rec := newRecording(ctx, ns, "rec")
		newRecording(ctx, ns, "other")
		b := newPod(ctx, ns, "b", annotations(recording.PrefixBpf, "rec", "app"))
		a := newPod(ctx, ns, "a", annotations(recording.PrefixLogs, "rec", "side"))
		newPod(ctx, ns, "c", annotations(recording.PrefixBpf, "other", "app"))
		newPod(ctx, ns, "d", map[string]string{"note": "rec"})
		newPod(ctx, ns, "e", map[string]string{recording.PrefixBpf + "app": "rec_app_not-canonical"})

		Eventually(activeWorkloads(ctx, rec)).Should(Equal([]string{"a", "b"}))

		deleteNow(ctx, a)
		deleteNow(ctx, b)
		Eventually(activeWorkloads(ctx, rec)).Should(BeEmpty())
	})

	It("stops listing a pod that finished", func(ctx SpecContext) {
		rec := newRecording(ctx, ns, "rec")
		pod := newPod(ctx, ns, "web", annotations(recording.PrefixAvcs, "rec", "app"))
		Eventually(activeWorkloads(ctx, rec)).Should(Equal([]string{"web"}))

		pod.Status.Phase = corev1.PodSucceeded
		Expect(k8s.Status().Update(ctx, pod)).To(Succeed())
		Eventually(activeWorkloads(ctx, rec)).Should(BeEmpty())
	})

	It("stops listing a pod that is being deleted", func(ctx SpecContext) {
		rec := newRecording(ctx, ns, "rec")
		pod := newPod(ctx, ns, "web", annotations(recording.PrefixBpfAppArmor, "rec", "app"))
		pod.Finalizers = []string{"example.com/hold"}
		Expect(k8s.Update(ctx, pod)).To(Succeed())
		Eventually(activeWorkloads(ctx, rec)).Should(Equal([]string{"web"}))

		Expect(k8s.Delete(ctx, pod)).To(Succeed())
		Eventually(activeWorkloads(ctx, rec)).Should(BeEmpty())

		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(pod), pod)).To(Succeed())
		pod.Finalizers = nil
		Expect(k8s.Update(ctx, pod)).To(Succeed())
	})

	It("lists pods that exist before the recording", func(ctx SpecContext) {
		newPod(ctx, ns, "web", annotations(recording.PrefixBpf, "late", "app"))
		rec := newRecording(ctx, ns, "late")
		Eventually(activeWorkloads(ctx, rec)).Should(Equal([]string{"web"}))
	})

	It("moves a pod whose annotation names another recording", func(ctx SpecContext) {
		first := newRecording(ctx, ns, "first")
		second := newRecording(ctx, ns, "second")
		pod := newPod(ctx, ns, "web", annotations(recording.PrefixBpf, "first", "app"))
		Eventually(activeWorkloads(ctx, first)).Should(Equal([]string{"web"}))

		pod.Annotations = annotations(recording.PrefixBpf, "second", "app")
		Expect(k8s.Update(ctx, pod)).To(Succeed())
		Eventually(activeWorkloads(ctx, first)).Should(BeEmpty())
		Eventually(activeWorkloads(ctx, second)).Should(Equal([]string{"web"}))
	})

	It("does not list pods of another namespace", func(ctx SpecContext) {
		rec := newRecording(ctx, ns, "rec")
		other := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "recordingstatus-"}}
		Expect(k8s.Create(ctx, other)).To(Succeed())
		newPod(ctx, other.Name, "web", annotations(recording.PrefixBpf, "rec", "app"))
		newPod(ctx, ns, "here", annotations(recording.PrefixBpf, "rec", "app"))
		Eventually(activeWorkloads(ctx, rec)).Should(Equal([]string{"here"}))
		Consistently(activeWorkloads(ctx, rec), "1s").Should(Equal([]string{"here"}))
	})
})

func annotations(prefix, rec, container string) map[string]string {
	a := recording.Annotation{Prefix: prefix, Container: container, Recording: rec, Nonce: "ab12c", Unix: 1700000000}
	return map[string]string{a.Key(): a.Value()}
}

func newRecording(ctx context.Context, ns, name string) *v1.ProfileRecording {
	rec := &v1.ProfileRecording{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1.ProfileRecordingSpec{
			Kind: v1.RecordingSeccompProfile, Recorder: v1.RecorderBpf,
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
		},
	}
	Expect(k8s.Create(ctx, rec)).To(Succeed())
	return rec
}

func newPod(ctx context.Context, ns, name string, annotations map[string]string) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: annotations},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app"}}},
	}
	Expect(k8s.Create(ctx, pod)).To(Succeed(), fmt.Sprintf("pod %s/%s", ns, name))
	return pod
}

// deleteNow removes a pod at once: envtest has no kubelet to confirm that
// its containers stopped.
func deleteNow(ctx context.Context, pod *corev1.Pod) {
	Expect(k8s.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())
	Eventually(func() error {
		return k8s.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{})
	}).Should(Satisfy(apierrors.IsNotFound))
}

func activeWorkloads(ctx context.Context, rec *v1.ProfileRecording) func() []string {
	return func() []string {
		got := &v1.ProfileRecording{}
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(rec), got)).To(Succeed())
		return got.Status.ActiveWorkloads
	}
}
