package spod_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/spod"
)

var _ = Describe("selinuxd per node OS", func() {
	It("labels each node with its selinuxd entry and runs one selinuxd DaemonSet per image in use, following the SPOD's mapping", func(ctx SpecContext) {
		for name, osImage := range map[string]string{
			"fedora-1": "Fedora Linux 41 (Server Edition)",
			"rhcos-1":  "Red Hat Enterprise Linux CoreOS 416.94.202405291527-0 (Plow)",
			"ubuntu-1": "Ubuntu 24.04.1 LTS",
		} {
			n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
			Expect(k8s.Create(ctx, n)).To(Succeed())
			DeferCleanup(func(ctx SpecContext) { Expect(client.IgnoreNotFound(k8s.Delete(ctx, n))).To(Succeed()) })
			n.Status.NodeInfo.OSImage = osImage
			Expect(k8s.Status().Update(ctx, n)).To(Succeed())
		}
		DeferCleanup(func(ctx SpecContext) { updateSPOD(ctx, func(s *v1.SPODSpec) { *s = spod.Default(namespace).Spec }) })

		By("the built-in mapping, with the manager's image for the OS it does not know")
		updateSPOD(ctx, func(s *v1.SPODSpec) { s.Selinux.Enable = true })
		Eventually(nodeEntries(ctx)).Should(Equal(map[string]string{"fedora-1": "fedora", "rhcos-1": "el9", "ubuntu-1": "default"}))
		Eventually(selinuxdImages(ctx)).Should(Equal(map[string]string{
			"spo-selinuxd-default": spod.DefaultSelinuxdImage,
			"spo-selinuxd-el9":     "quay.io/security-profiles-operator/selinuxd-el9:v0.5.2",
			"spo-selinuxd-fedora":  "quay.io/security-profiles-operator/selinuxd-fedora:v0.5.2",
		}))
		ds := &appsv1.DaemonSet{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "spo-selinuxd-el9"}, ds)).To(Succeed())
		Expect(ds.Spec.Template.Spec.NodeSelector).To(Equal(map[string]string{spod.LabelSelinuxd: "el9"}))
		Expect(metav1.IsControlledBy(ds, getSPOD(ctx))).To(BeTrue())
		Expect(containerNames(ctx)()).To(Equal([]string{spod.ContainerDaemon}))

		By("a mapping of the SPOD's own replaces the built-in one; DaemonSets no node needs go")
		updateSPOD(ctx, func(s *v1.SPODSpec) {
			s.Selinux.SelinuxdImages = []v1.SelinuxdImage{{Name: "ubuntu", OSImage: "^Ubuntu", Image: "example.com/selinuxd-ubuntu:v1"}}
		})
		Eventually(nodeEntries(ctx)).Should(Equal(map[string]string{"fedora-1": "default", "rhcos-1": "default", "ubuntu-1": "ubuntu"}))
		Eventually(selinuxdImages(ctx)).Should(Equal(map[string]string{
			"spo-selinuxd-default": spod.DefaultSelinuxdImage,
			"spo-selinuxd-ubuntu":  "example.com/selinuxd-ubuntu:v1",
		}))

		By("a node whose OS changes moves to the entry of its new OS")
		n := &corev1.Node{}
		Expect(k8s.Get(ctx, client.ObjectKey{Name: "fedora-1"}, n)).To(Succeed())
		n.Status.NodeInfo.OSImage = "Ubuntu 26.04 LTS"
		Expect(k8s.Status().Update(ctx, n)).To(Succeed())
		Eventually(nodeEntries(ctx)).Should(HaveKeyWithValue("fedora-1", "ubuntu"))

		By("an osImage that is no regular expression is refused with a condition naming the field")
		updateSPOD(ctx, func(s *v1.SPODSpec) {
			s.Selinux.SelinuxdImages = []v1.SelinuxdImage{{Name: "bad", OSImage: "Ubuntu (", Image: "example.com/selinuxd:v1"}}
		})
		Eventually(func() *metav1.Condition {
			return meta.FindStatusCondition(getSPOD(ctx).Status.Conditions, spod.ConditionReady)
		}).Should(And(
			HaveField("Reason", spod.ReasonInvalidSelinuxdImages),
			HaveField("Message", ContainSubstring("spec.selinux.selinuxdImages[0].osImage"))))

		By("switching SELinux off removes the labels and every selinuxd DaemonSet")
		updateSPOD(ctx, func(s *v1.SPODSpec) { s.Selinux = v1.SelinuxConfig{} })
		Eventually(nodeEntries(ctx)).Should(BeEmpty())
		Eventually(selinuxdImages(ctx)).Should(BeEmpty())
	})
})

// nodeEntries maps the nodes labelled with a selinuxd entry to it.
func nodeEntries(ctx context.Context) func() map[string]string {
	return func() map[string]string {
		var nodes corev1.NodeList
		Expect(k8s.List(ctx, &nodes)).To(Succeed())
		out := map[string]string{}
		for _, n := range nodes.Items {
			if e, ok := n.Labels[spod.LabelSelinuxd]; ok {
				out[n.Name] = e
			}
		}
		return out
	}
}

// selinuxdImages maps the selinuxd DaemonSets to their image.
func selinuxdImages(ctx context.Context) func() map[string]string {
	return func() map[string]string {
		var list appsv1.DaemonSetList
		Expect(k8s.List(ctx, &list, client.InNamespace(namespace), client.MatchingLabels(spod.SelinuxdLabels()))).To(Succeed())
		out := map[string]string{}
		for _, d := range list.Items {
			if d.DeletionTimestamp == nil {
				out[d.Name] = d.Spec.Template.Spec.Containers[0].Image
			}
		}
		return out
	}
}
