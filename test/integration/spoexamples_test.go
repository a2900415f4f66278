package integration

import (
	"context"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
)

// spoExample is a manifest from SPO 1.0's examples/, kept as SPO ships it.
func spoExample(name string) string {
	return filepath.Join(root, "test", "fixtures", "spo-examples", name)
}

// unknownOnX8664 is what the nodes say about SPO's
// profile-complain-block-high-risk: it blocks syscalls only i386 has
// (stime, vm86, vm86old, umount) while listing SCMP_ARCH_X86_64 alone.
const unknownOnX8664 = "syscalls unknown on their architecture, which container runtimes skip: " +
	"SCMP_ARCH_X86_64: stime, umount, vm86, vm86old"

// Users switching from SPO 1.0 apply the manifests they have, unedited:
// every SeccompProfile of SPO's examples reaches Installed on every node
// (names unknown on an architecture are skipped, as runc does, with a
// warning), the SELinux and AppArmor ones reach what these LSM-less nodes
// report for every such profile, and the rest is accepted.
var _ = Describe("SPO 1.0's example manifests", Ordered, func() {
	ctx := context.Background()
	const ns = "spo-examples"
	var objs []*unstructured.Unstructured

	BeforeAll(func() {
		enableLSMs(ctx)
		Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		// Applied here, not in an It, so that the cleanups run after all
		// of this container's specs.
		entries, err := os.ReadDir(spoExample(""))
		Expect(err).NotTo(HaveOccurred())
		for _, e := range entries {
			for _, o := range readManifests(spoExample(e.Name())) {
				if o.GetKind() == "ProfileBinding" || o.GetKind() == "ProfileRecording" {
					o.SetNamespace(ns)
				}
				Expect(k8s.Patch(ctx, o, client.Apply, client.FieldOwner("integration-test"), client.ForceOwnership)).
					To(Succeed(), "applying %s from %s", o.GetName(), e.Name())
				DeferCleanup(func() { deleteAndWait(ctx, o) })
				objs = append(objs, o)
			}
		}
	})

	It("reach Installed (seccomp) or the nodes' LSM state, and the rest is accepted", func() {
		Expect(len(objs)).To(BeNumerically(">=", 17), "SPO's examples")
		for _, o := range objs {
			switch o.GetKind() {
			case "SeccompProfile":
				Eventually(seccompState(ctx, o.GetName())).Should(Equal(v1.ProfileStateInstalled), o.GetName())
				for _, node := range nodes() {
					Expect(fileOn(node, o.GetName())).NotTo(BeEmpty(), "%s on %s", o.GetName(), node)
				}
			case "SelinuxProfile", "RawSelinuxProfile":
				expectNodeReason(ctx, o, "SelinuxNotSupportedOnNode")
			case "AppArmorProfile":
				expectNodeReason(ctx, o, "AppArmorNotSupportedOnNode")
			default:
				Expect(k8s.Get(ctx, client.ObjectKeyFromObject(o), o)).To(Succeed(), "%s %s", o.GetKind(), o.GetName())
			}
		}
	})

	It("installs profile-complain-block-high-risk with a NodeWarnings condition and a Warning Event naming what was skipped", func() {
		const name = "profile-complain-block-high-risk"
		Expect(seccompState(ctx, name)()).To(Equal(v1.ProfileStateInstalled))
		for _, node := range nodes() {
			st, err := nodeStatus(ctx, name, node)()
			Expect(err).NotTo(HaveOccurred())
			Expect(st.Status).To(Equal(v1.SecurityProfileNodeStatusStatus{Status: v1.ProfileStateInstalled,
				Reason: "UnknownSyscalls", Message: unknownOnX8664, Path: seccompPath(node, name)}))
			// The runtime skips the names itself; the file keeps them for
			// a runtime whose libseccomp may know more.
			Expect(fileOn(node, name)).To(ContainSubstring(`"stime"`))
		}
		Eventually(func() *metav1.Condition {
			p, err := getSeccomp(ctx, name)()
			if err != nil {
				return nil
			}
			return meta(p.Status.Conditions, v1.ConditionNodeWarnings)
		}).Should(And(
			HaveField("Status", metav1.ConditionTrue),
			HaveField("Reason", "UnknownSyscalls"),
			HaveField("Message", "node-a, node-b: "+unknownOnX8664),
		))
		p, err := getSeccomp(ctx, name)()
		Expect(err).NotTo(HaveOccurred())
		Expect(meta(p.Status.Conditions, v1.ConditionReady)).To(HaveField("Status", metav1.ConditionTrue))
		Eventually(func() []string { return warningEvents(ctx, name) }).Should(ContainElement("UnknownSyscalls"))
		for _, other := range []string{"profile-block-all", "crun-v1.18"} {
			p, err := getSeccomp(ctx, other)()
			Expect(err).NotTo(HaveOccurred())
			Expect(meta(p.Status.Conditions, v1.ConditionNodeWarnings)).To(BeNil(), other)
		}
	})
})

// Names no architecture knows (a typo, a syscall newer than libseccomp)
// are skipped too, as runc skips them, with the same warning; the warning
// goes away once the profile no longer names them.
var _ = Describe("A SeccompProfile naming a syscall no architecture knows", func() {
	ctx := context.Background()

	It("is Installed with a warning naming it, which clears when the name is removed", func() {
		p := seccompProfile("unknown-name", v1.SeccompProfileSpec{DefaultAction: v1.ActErrno,
			Architectures: []v1.SeccompArch{"SCMP_ARCH_X86_64"},
			Syscalls:      []v1.SeccompSyscall{allow("read", "fooo")}})
		Expect(k8s.Create(ctx, p)).To(Succeed())
		DeferCleanup(func() { deleteAndWait(ctx, p) })
		want := "syscalls unknown on their architecture, which container runtimes skip: SCMP_ARCH_X86_64: fooo"
		warnings := func() *metav1.Condition {
			got, err := getSeccomp(ctx, p.Name)()
			if err != nil {
				return nil
			}
			return meta(got.Status.Conditions, v1.ConditionNodeWarnings)
		}
		Eventually(warnings).Should(HaveField("Message", "node-a, node-b: "+want))
		Expect(seccompState(ctx, p.Name)()).To(Equal(v1.ProfileStateInstalled))
		Eventually(func() []string { return warningEvents(ctx, p.Name) }).Should(ContainElement("UnknownSyscalls"))

		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(p), p)).To(Succeed())
		p.Spec.Syscalls = []v1.SeccompSyscall{allow("read")}
		Expect(k8s.Update(ctx, p)).To(Succeed())
		Eventually(warnings).Should(BeNil())
		Eventually(func() string { return fileOn("node-a", p.Name) }).ShouldNot(ContainSubstring("fooo"))
		for _, node := range nodes() {
			st, err := nodeStatus(ctx, p.Name, node)()
			Expect(err).NotTo(HaveOccurred())
			Expect(st.Status.Reason).To(BeEmpty(), node)
		}
		Expect(seccompState(ctx, p.Name)()).To(Equal(v1.ProfileStateInstalled))
	})
})

func expectNodeReason(ctx context.Context, o *unstructured.Unstructured, reason string) {
	GinkgoHelper()
	for _, node := range nodes() {
		Eventually(func() (string, error) {
			ns, err := nodeStatusOf(ctx, o.GetKind(), o.GetName(), node)()
			return ns.Status.Reason, err
		}).Should(Equal(reason), "%s %s on %s", o.GetKind(), o.GetName(), node)
	}
}
