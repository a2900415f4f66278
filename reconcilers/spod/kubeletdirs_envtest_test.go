package spod_test

import (
	"context"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/secprofiles/spo/daemon/kubeletdir"
	"github.com/secprofiles/spo/reconcilers/spod"
)

var _ = Describe("the kubelet directories of the nodes", func() {
	It("mounts the seccomp directory of every kubelet directory the nodes name, and drops it with the node", func(ctx SpecContext) {
		nodes := []*corev1.Node{
			{ObjectMeta: metav1.ObjectMeta{Name: "azure-1", Labels: map[string]string{kubeletdir.LabelDirectoryLocation: "mnt-resource-kubelet"}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "azure-2", Labels: map[string]string{kubeletdir.LabelDirectoryLocation: "mnt-resource-kubelet"}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "k0s", Annotations: map[string]string{kubeletdir.AnnotationKubeletDir: "/var/lib/k0s/kubelet"}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "plain"}},
		}
		// Registered first, so it runs after the nodes are deleted: the
		// next spec asserts the DaemonSet as a cluster without these nodes
		// renders it.
		DeferCleanup(func(ctx SpecContext) {
			Eventually(seccompMounts(ctx)).Should(Equal(map[string]string{"/var/lib/kubelet/seccomp": "/var/lib/kubelet/seccomp"}))
		})
		for _, n := range nodes {
			Expect(k8s.Create(ctx, n)).To(Succeed())
			DeferCleanup(func(ctx SpecContext) { Expect(client.IgnoreNotFound(k8s.Delete(ctx, n))).To(Succeed()) })
		}
		want := map[string]string{ // host path -> mount path in the daemon
			"/var/lib/kubelet/seccomp":      "/var/lib/kubelet/seccomp",
			"/mnt/resource/kubelet/seccomp": "/mnt/resource/kubelet/seccomp",
			"/var/lib/k0s/kubelet/seccomp":  "/var/lib/k0s/kubelet/seccomp",
		}
		Eventually(seccompMounts(ctx)).Should(Equal(want))
		Expect(daemonContainer(getDaemonSet(ctx)).Args).To(ContainElement("--kubelet-dir=/var/lib/kubelet"))

		Expect(k8s.Delete(ctx, nodes[2])).To(Succeed())
		delete(want, "/var/lib/k0s/kubelet/seccomp")
		Eventually(seccompMounts(ctx)).Should(Equal(want))
		// One of two nodes naming a directory going leaves it mounted.
		Expect(k8s.Delete(ctx, nodes[0])).To(Succeed())
		Consistently(seccompMounts(ctx), "2s").Should(Equal(want))
	})

	It("does not mount a directory a node names wrongly, and says so in a Warning Event on the node", func(ctx SpecContext) {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "greedy",
			Labels: map[string]string{kubeletdir.LabelDirectoryLocation: "etc"}}}
		Expect(k8s.Create(ctx, n)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) { Expect(client.IgnoreNotFound(k8s.Delete(ctx, n))).To(Succeed()) })
		Eventually(func() []eventsv1.Event {
			var list eventsv1.EventList
			Expect(k8s.List(ctx, &list)).To(Succeed())
			return slices.DeleteFunc(list.Items, func(e eventsv1.Event) bool {
				return e.Reason != kubeletdir.ReasonKubeletDirInvalid || e.Regarding.Kind != "Node" || e.Regarding.Name != n.Name
			})
		}).ShouldNot(BeEmpty())
		Expect(seccompMounts(ctx)()).To(Equal(map[string]string{"/var/lib/kubelet/seccomp": "/var/lib/kubelet/seccomp"}))
	})
})

// seccompMounts maps the host paths of the daemon's seccomp volumes to
// where the daemon container mounts them.
func seccompMounts(ctx context.Context) func() map[string]string {
	return func() map[string]string {
		ds := getDaemonSet(ctx)
		hostPaths := map[string]string{}
		for _, v := range ds.Spec.Template.Spec.Volumes {
			if v.HostPath != nil {
				hostPaths[v.Name] = v.HostPath.Path
			}
		}
		out := map[string]string{}
		for _, m := range daemonContainer(ds).VolumeMounts {
			if p := hostPaths[m.Name]; p != "" && strings.HasSuffix(p, "/seccomp") {
				out[p] = m.MountPath
			}
		}
		return out
	}
}

func daemonContainer(ds *appsv1.DaemonSet) corev1.Container {
	for _, c := range ds.Spec.Template.Spec.Containers {
		if c.Name == spod.ContainerDaemon {
			return c
		}
	}
	Fail("the DaemonSet has no daemon container")
	return corev1.Container{}
}
