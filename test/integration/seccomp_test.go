package integration

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
)

var _ = Describe("A SeccompProfile on every node", Ordered, func() {
	ctx := context.Background()
	examples := map[string]string{
		"webserver":            "seccompprofile-webserver.yaml",
		"webserver-with-shell": "seccompprofile-webserver-with-shell.yaml",
		"log-all":              "seccompprofile-log-all.yaml",
	}

	AfterAll(func() {
		for name := range examples {
			deleteAndWait(ctx, &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: name}})
		}
	})

	It("writes each example's exact OCI JSON on every node and reports Installed", func() {
		for _, file := range examples {
			apply(ctx, example(file))
		}
		for name := range examples {
			Eventually(seccompState(ctx, name)).Should(Equal(v1.ProfileStateInstalled), name)
			for _, node := range nodes() {
				Expect(fileOn(node, name)).To(Equal(golden(name+".json")), "%s on %s", name, node)
				ns, err := nodeStatus(ctx, name, node)()
				Expect(err).NotTo(HaveOccurred())
				Expect(ns.Status.Status).To(Equal(v1.ProfileStateInstalled))
				Expect(ns.Status.Path).To(Equal(seccompPath(node, name)))
			}
			p, err := getSeccomp(ctx, name)()
			Expect(err).NotTo(HaveOccurred())
			Expect(p.Status.LocalhostProfile).To(Equal("operator/" + name + ".json"))
			Expect(p.Finalizers).To(ContainElements(v1.NodeFinalizer("node-a"), v1.NodeFinalizer("node-b")))
			Expect(meta(p.Status.Conditions, v1.ConditionReady)).To(HaveField("Status", metav1.ConditionTrue))
		}
	})

	It("rewrites the file when the profile changes, and a dependent's file when its base changes", func() {
		updateSeccomp(ctx, "webserver", func(p *v1.SeccompProfile) {
			p.Spec.Syscalls[0].Names = append(p.Spec.Syscalls[0].Names, "mincore")
		})
		for _, node := range nodes() {
			Eventually(func() string { return fileOn(node, "webserver") }).Should(ContainSubstring(`"mincore"`))
			Eventually(func() string { return fileOn(node, "webserver-with-shell") }).Should(ContainSubstring(`"mincore"`))
		}
	})

	It("removes the file when the profile is disabled and writes it again when enabled", func() {
		setState(ctx, "log-all", v1.ProfileDisabled)
		Eventually(seccompState(ctx, "log-all")).Should(Equal(v1.ProfileStateDisabled))
		for _, node := range nodes() {
			Eventually(func() string { return fileOn(node, "log-all") }).Should(BeEmpty())
			Eventually(func() error { _, err := nodeStatus(ctx, "log-all", node)(); return err }).Should(Satisfy(apierrors.IsNotFound))
		}
		setState(ctx, "log-all", v1.ProfileEnabled)
		Eventually(seccompState(ctx, "log-all")).Should(Equal(v1.ProfileStateInstalled))
		Expect(fileOn("node-a", "log-all")).To(Equal(golden("log-all.json")))
	})

	It("removes the file, then the node statuses, then the finalizers when the profile is deleted", func() {
		p := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: "log-all"}}
		Expect(k8s.Delete(ctx, p)).To(Succeed())
		Eventually(func() error { _, err := getSeccomp(ctx, "log-all")(); return err }).Should(Satisfy(apierrors.IsNotFound))
		for _, node := range nodes() {
			Expect(fileOn(node, "log-all")).To(BeEmpty())
			_, err := nodeStatus(ctx, "log-all", node)()
			Expect(apierrors.IsNotFound(err)).To(BeTrue(), "node status of %s", node)
		}
		apply(ctx, example(examples["log-all"]))
		Eventually(seccompState(ctx, "log-all")).Should(Equal(v1.ProfileStateInstalled))
	})

	It("keeps a profile, and its files, while a pod uses it", func() {
		pod := podUsing("web-1", "webserver")
		Expect(k8s.Create(ctx, pod)).To(Succeed())
		Eventually(func() []string { p, _ := getSeccomp(ctx, "webserver")(); return p.Status.ActiveWorkloads }).
			Should(Equal([]string{"default/web-1"}))
		Expect(k8s.Delete(ctx, &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: "webserver"}})).To(Succeed())

		Eventually(seccompState(ctx, "webserver")).Should(Equal(v1.ProfileStateTerminating))
		Consistently(func() string { return fileOn("node-a", "webserver") }, "2s").ShouldNot(BeEmpty())
		ns, err := nodeStatus(ctx, "webserver", "node-a")()
		Expect(err).NotTo(HaveOccurred())
		Expect(ns.Status.Status).To(Equal(v1.ProfileStateTerminating))

		Expect(k8s.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())
		Eventually(func() error { _, err := getSeccomp(ctx, "webserver")(); return err }).Should(Satisfy(apierrors.IsNotFound))
		for _, node := range nodes() {
			Expect(fileOn(node, "webserver")).To(BeEmpty())
		}
		apply(ctx, example(examples["webserver"]))
		Eventually(seccompState(ctx, "webserver")).Should(Equal(v1.ProfileStateInstalled))
	})

	It("prunes the finalizer and report of a node that was deleted", func() {
		gone := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-gone"}}
		Expect(k8s.Create(ctx, gone)).To(Succeed())
		// Act as node-gone's daemon did before the node disappeared.
		updateSeccomp(ctx, "log-all", func(p *v1.SeccompProfile) {
			p.Finalizers = append(p.Finalizers, v1.NodeFinalizer("node-gone"))
		})
		report := &v1.SecurityProfileNodeStatus{
			ObjectMeta: metav1.ObjectMeta{Name: v1.NodeStatusName("SeccompProfile", "log-all", "node-gone")},
			Spec:       v1.SecurityProfileNodeStatusSpec{NodeName: "node-gone", ProfileKind: "SeccompProfile", ProfileName: "log-all"},
		}
		Expect(k8s.Create(ctx, report)).To(Succeed())
		Eventually(seccompState(ctx, "log-all")).Should(Equal(v1.ProfileStateInProgress))

		Expect(k8s.Delete(ctx, gone)).To(Succeed())
		Eventually(func() []string { p, _ := getSeccomp(ctx, "log-all")(); return p.Finalizers }).
			ShouldNot(ContainElement(v1.NodeFinalizer("node-gone")))
		Eventually(func() error { _, err := nodeStatus(ctx, "log-all", "node-gone")(); return err }).Should(Satisfy(apierrors.IsNotFound))
		Eventually(seccompState(ctx, "log-all")).Should(Equal(v1.ProfileStateInstalled))
	})
})

func setState(ctx context.Context, name string, st v1.ProfileEnabledState) {
	updateSeccomp(ctx, name, func(p *v1.SeccompProfile) { p.Spec.State = st })
}

// updateSeccomp changes a profile the way a user's client would: read,
// change, write, and again on a conflict with the controllers' writes.
func updateSeccomp(ctx context.Context, name string, change func(*v1.SeccompProfile)) {
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := getSeccomp(ctx, name)()
		if err != nil {
			return err
		}
		change(p)
		return k8s.Update(ctx, p)
	})).To(Succeed())
}

func podUsing(name, profile string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:  "web",
			Image: "nginx",
			SecurityContext: &corev1.SecurityContext{SeccompProfile: &corev1.SeccompProfile{
				Type:             corev1.SeccompProfileTypeLocalhost,
				LocalhostProfile: ptrTo("operator/" + profile + ".json"),
			}},
		}}},
	}
}

func ptrTo[T any](v T) *T { return &v }

func meta(conds []metav1.Condition, t string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

func deleteAndWait(ctx context.Context, o client.Object) {
	Expect(client.IgnoreNotFound(k8s.Delete(ctx, o))).To(Succeed())
	Eventually(func() error { return k8s.Get(ctx, client.ObjectKeyFromObject(o), o) }).Should(Satisfy(apierrors.IsNotFound))
}
