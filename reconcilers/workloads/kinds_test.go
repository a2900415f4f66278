package workloads_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Every kind is kept while a pod uses it, whether deleted or disabled:
// daemon/nodeinstall keeps a profile on the nodes exactly while it has
// v1.FinalizerInUse, which this reconciler holds.
var _ = Describe("use of every profile kind", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "kinds-"}}
		Expect(k8s.Create(ctx, namespace)).To(Succeed())
		ns = namespace.Name
	})

	type kindCase struct {
		profile func() v1.Profile
		use     func(name string, s *corev1.PodSpec)
	}
	str := func(s string) *string { return &s }
	seccomp := kindCase{
		profile: func() v1.Profile { return &v1.SeccompProfile{Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno}} },
		use: func(name string, s *corev1.PodSpec) {
			s.Containers[0].SecurityContext = withProfile(localhost("operator/./" + name + ".json"))
		},
	}
	selinux := func(p func() v1.Profile) kindCase {
		return kindCase{profile: p, use: func(name string, s *corev1.PodSpec) {
			s.SecurityContext = &corev1.PodSecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: name + ".process"}}
		}}
	}
	apparmor := kindCase{
		profile: func() v1.Profile { return &v1.AppArmorProfile{} },
		use: func(name string, s *corev1.PodSpec) {
			s.Containers[0].SecurityContext = &corev1.SecurityContext{AppArmorProfile: &corev1.AppArmorProfile{
				Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: str(name)}}
		},
	}
	cases := []TableEntry{
		Entry("a SeccompProfile referenced as operator/./<name>.json", seccomp),
		Entry("a SelinuxProfile", selinux(func() v1.Profile { return &v1.SelinuxProfile{} })),
		Entry("a RawSelinuxProfile", selinux(func() v1.Profile {
			return &v1.RawSelinuxProfile{Spec: v1.RawSelinuxProfileSpec{Policy: "(allow process process (file (read)))"}}
		})),
		Entry("an AppArmorProfile", apparmor),
	}

	create := func(ctx context.Context, kc kindCase) v1.Profile {
		p := kc.profile()
		p.SetGenerateName("kind-")
		Expect(k8s.Create(ctx, p)).To(Succeed())
		return p
	}
	get := func(ctx context.Context, p v1.Profile) func() (v1.Profile, error) {
		return func() (v1.Profile, error) {
			got := p.DeepCopyObject().(v1.Profile)
			return got, k8s.Get(ctx, client.ObjectKeyFromObject(p), got)
		}
	}

	DescribeTable("keeps a deleted profile until the last pod using it is gone", func(ctx SpecContext, kc kindCase) {
		p := create(ctx, kc)
		pod := newPod(ctx, ns, func(s *corev1.PodSpec) { kc.use(p.GetName(), s) })
		Eventually(get(ctx, p)).Should(SatisfyAll(
			HaveField("ObjectMeta.Finalizers", ContainElement(v1.FinalizerInUse)),
			WithTransform(func(p v1.Profile) []string { return p.ProfileStatus().ActiveWorkloads },
				ConsistOf(ns+"/"+pod.Name))))

		Expect(k8s.Delete(ctx, p)).To(Succeed())
		Expect(get(ctx, p)()).To(HaveField("ObjectMeta.DeletionTimestamp", Not(BeNil())))
		deleteNow(ctx, pod)
		Eventually(func() error { _, err := get(ctx, p)(); return err }).Should(Satisfy(apierrors.IsNotFound))
	}, cases)

	DescribeTable("holds a disabled profile while a pod uses it, and lets go after", func(ctx SpecContext, kc kindCase) {
		p := create(ctx, kc)
		pod := newPod(ctx, ns, func(s *corev1.PodSpec) { kc.use(p.GetName(), s) })
		Eventually(get(ctx, p)).Should(HaveField("ObjectMeta.Finalizers", ContainElement(v1.FinalizerInUse)))

		// spec.state Disabled: daemon/nodeinstall.Decide keeps what has the
		// finalizer (its table test), so the finalizer must stay.
		current, err := get(ctx, p)()
		Expect(err).NotTo(HaveOccurred())
		Expect(k8s.Patch(ctx, current, client.RawPatch("application/merge-patch+json",
			[]byte(`{"spec":{"state":"Disabled"}}`)))).To(Succeed())
		Expect(current.ProfileSpec().Enabled()).To(BeFalse())
		Consistently(get(ctx, p), "1s").Should(HaveField("ObjectMeta.Finalizers", ContainElement(v1.FinalizerInUse)))

		deleteNow(ctx, pod)
		Eventually(get(ctx, p)).Should(HaveField("ObjectMeta.Finalizers", Not(ContainElement(v1.FinalizerInUse))))
	}, cases)
})
