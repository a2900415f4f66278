package integration

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
)

// These machines run neither SELinux nor AppArmor: the real daemons must
// say so on every profile of those kinds, never report them Installed.
var _ = Describe("SELinux and AppArmor profiles on nodes without the LSM", Ordered, func() {
	ctx := context.Background()

	BeforeAll(func() {
		enableLSMs(ctx)
	})

	DescribeTable("reports the profile Error with the reason on every node, with an Event",
		func(kind string, profile v1.Profile, reason string) {
			Expect(k8s.Create(ctx, profile)).To(Succeed())
			DeferCleanup(func() { deleteAndWait(ctx, profile) })
			for _, node := range nodes() {
				Eventually(func(g Gomega) {
					ns, err := nodeStatusOf(ctx, kind, profile.GetName(), node)()
					g.Expect(err).NotTo(HaveOccurred())
					g.Expect(ns.Status.Status).To(Equal(v1.ProfileStateError))
					g.Expect(ns.Status.Reason).To(Equal(reason))
				}).Should(Succeed(), "node %s", node)
			}
			Eventually(func() (v1.ProfileState, error) {
				err := k8s.Get(ctx, client.ObjectKeyFromObject(profile), profile)
				return profile.ProfileStatus().Status, err
			}).Should(Equal(v1.ProfileStateError))
			Eventually(func() []string { return warningEvents(ctx, profile.GetName()) }).Should(ContainElement(reason))
		},
		Entry("a SelinuxProfile", "SelinuxProfile", &v1.SelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "lsm-web"},
			Spec: v1.SelinuxProfileSpec{Allow: map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet{
				"http_port_t": {"tcp_socket": {"name_bind"}}}},
		}, "SelinuxNotSupportedOnNode"),
		Entry("a RawSelinuxProfile", "RawSelinuxProfile", &v1.RawSelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "lsm-raw"},
			Spec:       v1.RawSelinuxProfileSpec{Policy: "(blockinherit container)\n(allow process http_port_t (tcp_socket (name_bind)))"},
		}, "SelinuxNotSupportedOnNode"),
		Entry("an AppArmorProfile of the same name as the SelinuxProfile", "AppArmorProfile", &v1.AppArmorProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "lsm-web"},
			Spec: v1.AppArmorProfileSpec{Abstract: v1.AppArmorAbstract{
				Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: []v1.AppArmorPath{"/etc/nginx/**"}}}},
		}, "AppArmorNotSupportedOnNode"),
	)

	It("applies the SELinux and AppArmor examples, and their bindings, with the same outcome", func() {
		for file, want := range map[string]struct{ kind, reason string }{
			"selinuxprofile.yaml":           {"SelinuxProfile", "SelinuxNotSupportedOnNode"},
			"rawselinuxprofile.yaml":        {"RawSelinuxProfile", "SelinuxNotSupportedOnNode"},
			"apparmorprofile.yaml":          {"AppArmorProfile", "AppArmorNotSupportedOnNode"},
			"apparmorprofile-complain.yaml": {"AppArmorProfile", "AppArmorNotSupportedOnNode"},
		} {
			for _, o := range apply(ctx, example(file)) {
				DeferCleanup(func() { deleteAndWait(ctx, o) })
				Eventually(func() (string, error) {
					ns, err := nodeStatusOf(ctx, want.kind, o.GetName(), "node-a")()
					return ns.Status.Reason, err
				}).Should(Equal(want.reason), "%s", file)
			}
		}
		Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "lsm-bindings",
			Labels: map[string]string{v1.LabelEnableBinding: "true"}}})).To(Succeed())
		for _, file := range []string{"profilebinding-selinux.yaml", "profilebinding-apparmor.yaml"} {
			applyIn(ctx, "lsm-bindings", file)
		}
		var list v1.ProfileBindingList
		Expect(k8s.List(ctx, &list, client.InNamespace("lsm-bindings"))).To(Succeed())
		Expect(list.Items).To(HaveLen(2))
	})
})

// enableLSMs has the SPOD turn on SELinux (raw profiles too) and AppArmor
// until the calling container's specs are done.
func enableLSMs(ctx context.Context) {
	GinkgoHelper()
	spod := &v1.SecurityProfilesOperatorDaemon{
		ObjectMeta: metav1.ObjectMeta{Name: v1.SPODName, Namespace: operatorNamespace},
		Spec: v1.SPODSpec{
			Selinux:        v1.SelinuxConfig{Enable: true, EnableRawSelinuxProfiles: ptr.To(true)},
			EnableAppArmor: true,
		},
	}
	Expect(k8s.Create(ctx, spod)).To(Succeed())
	DeferCleanup(func() { deleteAndWait(ctx, spod) })
}
