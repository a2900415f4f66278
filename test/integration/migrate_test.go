package integration

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/recordingmerger"
)

// docs/install.md, "Migrating from the Security Profiles Operator": the
// objects SPO left behind, with its finalizers and labels, are adopted by
// spo as they are and can be deleted without a stuck finalizer.
var _ = Describe("Migrating from the Security Profiles Operator", func() {
	ctx := context.Background()
	const ns = "migrated"

	It("adopts SPO's profiles, node statuses, bindings and recordings, and deletes them cleanly", func() {
		Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		Eventually(conversionReady(ctx, "securityprofilenodestatuses.security-profiles-operator.x-k8s.io")).Should(BeTrue())

		By("leaving objects as SPO would have")
		profile := &v1.SeccompProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "spo-web", Finalizers: []string{
				"node-a-deleted", "node-b-deleted", "node-long-gone-deleted", "in-use-by-active-pods"}},
			Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActAllow},
		}
		Expect(k8s.Create(ctx, profile)).To(Succeed())
		// SPO's v1alpha1 report: nodeName and status at the top level.
		report := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "security-profiles-operator.x-k8s.io/v1alpha1",
			"kind":       "SecurityProfileNodeStatus",
			"metadata": map[string]any{"name": "spo-web-node-a", "labels": map[string]any{
				"spo.x-k8s.io/profile-id": "SeccompProfile-spo-web", "spo.x-k8s.io/node-name": "node-a",
				"spo.x-k8s.io/profile-state": "Pending", "spo.x-k8s.io/profile-kind": "SeccompProfile"}},
			"nodeName": "node-a",
			"status":   "Pending",
		}}
		Expect(k8s.Create(ctx, report)).To(Succeed())
		binding := &v1.ProfileBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "spo-binding", Namespace: ns, Finalizers: []string{"active-workload-lock"}},
			Spec:       v1.ProfileBindingSpec{Image: "nginx:1", ProfileRef: v1.ProfileRef{Kind: v1.BindingSeccompProfile, Name: "spo-web"}},
		}
		Expect(k8s.Create(ctx, binding)).To(Succeed())
		rec := &v1.ProfileRecording{
			ObjectMeta: metav1.ObjectMeta{Name: "spo-rec", Namespace: ns, Finalizers: []string{
				"active-seccomp-profile-recording-lock", "spo.x-k8s.io/has-unmerged-profiles"}},
			Spec: v1.ProfileRecordingSpec{Kind: v1.RecordingSeccompProfile, Recorder: v1.RecorderBpf,
				MergeStrategy: v1.MergeContainers,
				PodSelector:   metav1.LabelSelector{MatchLabels: map[string]string{"app": "spo-rec"}}},
		}
		Expect(k8s.Create(ctx, rec)).To(Succeed())
		// A partial profile SPO recorded: only SPO's labels.
		partial := &v1.SeccompProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "spo-rec-app-x7k2p", Labels: map[string]string{
				"spo.x-k8s.io/recording-id": "spo-rec", "spo.x-k8s.io/recording-namespace": ns,
				"spo.x-k8s.io/container-id": "app", "spo.x-k8s.io/partial": "true"},
				Finalizers: []string{"spo.x-k8s.io/partial-profile-finalizer", "node-a-deleted"}},
			Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno,
				Syscalls: []v1.SeccompSyscall{{Names: []string{"read", "write"}, Action: v1.ActAllow}}},
		}
		Expect(k8s.Create(ctx, partial)).To(Succeed())

		By("seeing spo adopt them")
		Eventually(seccompState(ctx, "spo-web")).Should(Equal(v1.ProfileStateInstalled))
		Eventually(finalizersOf(ctx, profile)).Should(ConsistOf(v1.NodeFinalizer("node-a"), v1.NodeFinalizer("node-b")))
		Eventually(func(g Gomega) {
			st := &v1.SecurityProfileNodeStatus{}
			g.Expect(k8s.Get(ctx, client.ObjectKey{Name: "spo-web-node-a"}, st)).To(Succeed())
			g.Expect(st.Spec).To(Equal(v1.SecurityProfileNodeStatusSpec{NodeName: "node-a", ProfileKind: "SeccompProfile", ProfileName: "spo-web"}))
			g.Expect(st.Status.Status).To(Equal(v1.ProfileStateInstalled))
			g.Expect(st.Labels).To(HaveKeyWithValue("spo.x-k8s.io/profile-state", "Installed"))
		}).Should(Succeed())
		// node-b's report is spo's own, with SPO's labels.
		Eventually(func(g Gomega) {
			list := &v1.SecurityProfileNodeStatusList{}
			g.Expect(k8s.List(ctx, list, client.MatchingLabels{
				"spo.x-k8s.io/profile-id": "SeccompProfile-spo-web", "spo.x-k8s.io/profile-state": "Installed"})).To(Succeed())
			var nodes []string
			for _, r := range list.Items {
				nodes = append(nodes, r.Labels["spo.x-k8s.io/node-name"])
			}
			g.Expect(nodes).To(ConsistOf("node-a", "node-b"))
		}).Should(Succeed())
		// Still readable as SPO's v1alpha1.
		old := &unstructured.Unstructured{}
		old.SetAPIVersion("security-profiles-operator.x-k8s.io/v1alpha1")
		old.SetKind("SecurityProfileNodeStatus")
		Expect(k8s.Get(ctx, client.ObjectKey{Name: "spo-web-node-a"}, old)).To(Succeed())
		Expect(old.Object).To(HaveKeyWithValue("nodeName", "node-a"))
		Expect(old.Object).To(HaveKeyWithValue("status", "Installed"))

		Eventually(finalizersOf(ctx, binding)).Should(BeEmpty())
		Eventually(finalizersOf(ctx, rec)).Should(ConsistOf(recordingmerger.FinalizerMerge))
		Eventually(finalizersOf(ctx, partial)).Should(BeEmpty())

		By("deleting them, with no finalizer left behind")
		deleteAndWait(ctx, binding)
		deleteAndWait(ctx, profile)
		Expect(k8s.Get(ctx, client.ObjectKey{Name: "spo-web-node-a"}, &v1.SecurityProfileNodeStatus{})).
			To(MatchError(ContainSubstring("not found")))
		Expect(filesIn()).NotTo(ContainElement(ContainSubstring("spo-web.json")))
		// Deleting the recording merges SPO's partial profile first.
		deleteAndWait(ctx, rec)
		merged := &v1.SeccompProfile{}
		Expect(k8s.Get(ctx, client.ObjectKey{Name: "spo-rec-app"}, merged)).To(Succeed())
		Expect(merged.Labels).To(HaveKeyWithValue("spo.x-k8s.io/recording-id", "spo-rec"))
		Expect(merged.Labels).To(HaveKeyWithValue("spo.x-k8s.io/container-id", "app"))
		Expect(merged.Spec.Syscalls).NotTo(BeEmpty())
		Eventually(func() error { return k8s.Get(ctx, client.ObjectKeyFromObject(partial), partial) }).
			Should(MatchError(ContainSubstring("not found")))
		deleteAndWait(ctx, merged)
		Expect(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	})
})

func finalizersOf(ctx context.Context, o client.Object) func() ([]string, error) {
	return func() ([]string, error) {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(o), o)
		return o.GetFinalizers(), err
	}
}
