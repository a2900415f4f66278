package integration

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
)

// The other kinds have no controllers yet, but their schemas already refuse
// what can be refused without one, with the field named.
var _ = Describe("The schema of every kind", func() {
	ctx := context.Background()

	DescribeTable("refuses a bad object",
		func(obj client.Object, want string) {
			err := k8s.Create(ctx, obj)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(Equal(want))
		},
		Entry("a SELinux recording with the eBPF recorder",
			&v1.ProfileRecording{ObjectMeta: metav1.ObjectMeta{Name: "rec", Namespace: "default"},
				Spec: v1.ProfileRecordingSpec{Kind: v1.RecordingSelinuxProfile, Recorder: v1.RecorderBpf}},
			`ProfileRecording.security-profiles-operator.x-k8s.io "rec" is invalid: spec: Invalid value: kind SelinuxProfile can only be recorded with recorder Logs`),
		Entry("an AppArmor recording from logs",
			&v1.ProfileRecording{ObjectMeta: metav1.ObjectMeta{Name: "rec", Namespace: "default"},
				Spec: v1.ProfileRecordingSpec{Kind: v1.RecordingAppArmorProfile, Recorder: v1.RecorderLogs}},
			`ProfileRecording.security-profiles-operator.x-k8s.io "rec" is invalid: spec: Invalid value: kind AppArmorProfile can only be recorded with recorder Bpf`),
		Entry("a second SecurityProfilesOperatorDaemon",
			&v1.SecurityProfilesOperatorDaemon{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: operatorNamespace}},
			`SecurityProfilesOperatorDaemon.security-profiles-operator.x-k8s.io "other" is invalid: <nil>: Invalid value: metadata.name must be spod: there is one SecurityProfilesOperatorDaemon per cluster`),
		Entry("a raw SELinux policy with unbalanced parentheses",
			&v1.RawSelinuxProfile{ObjectMeta: metav1.ObjectMeta{Name: "raw"},
				Spec: v1.RawSelinuxProfileSpec{Policy: "(allow process self (file (read))"}},
			`RawSelinuxProfile.security-profiles-operator.x-k8s.io "raw" is invalid: spec.policy: Invalid value: "(allow process self (file (read))": policy has unbalanced parentheses`),
		Entry("a raw SELinux policy giving a global domain a rule",
			&v1.RawSelinuxProfile{ObjectMeta: metav1.ObjectMeta{Name: "raw"},
				Spec: v1.RawSelinuxProfileSpec{Policy: "(blockinherit container)\n(allow .container_t .shadow_t (file (read)))"}},
			`RawSelinuxProfile.security-profiles-operator.x-k8s.io "raw" is invalid: spec.policy: Invalid value: "(blockinherit container)\n(allow .container_t .shadow_t (file (read)))": policy gives a rule to a global type (a source starting with '.'): a RawSelinuxProfile may only give rules to process, socket and the types it declares`),
		Entry("a binding to an unknown kind",
			&v1.ProfileBinding{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "default"},
				Spec: v1.ProfileBindingSpec{ProfileRef: v1.ProfileRef{Kind: "Pod", Name: "x"}, Image: "nginx"}},
			`ProfileBinding.security-profiles-operator.x-k8s.io "b" is invalid: spec.profileRef.kind: Unsupported value: "Pod": supported values: "SeccompProfile", "SelinuxProfile", "RawSelinuxProfile", "AppArmorProfile"`),
		Entry("an AppArmor path that is not absolute",
			&v1.AppArmorProfile{ObjectMeta: metav1.ObjectMeta{Name: "aa"}, Spec: v1.AppArmorProfileSpec{Abstract: v1.AppArmorAbstract{
				Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: []v1.AppArmorPath{"etc/passwd"}}}}},
			`AppArmorProfile.security-profiles-operator.x-k8s.io "aa" is invalid: spec.abstract.filesystem.readOnlyPaths[0]: Invalid value: "etc/passwd": spec.abstract.filesystem.readOnlyPaths[0] in body should match '`+appArmorPathPattern+`'`),
	)

	It("admits raw SELinux rules for the profile's own type on global types, and dotted sources in comments", func() {
		p := &v1.RawSelinuxProfile{ObjectMeta: metav1.ObjectMeta{Name: "raw-own"}, Spec: v1.RawSelinuxProfileSpec{
			Policy: "(blockinherit container)\n; not (allow .container_t x (file (read)))\n(allow process .var_log_t (file (read)))"}}
		Expect(k8s.Create(ctx, p)).To(Succeed())
		DeferCleanup(func() { Expect(k8s.Delete(ctx, p)).To(Succeed()) })
	})

	It("defaults a SelinuxProfile to inherit the container template, enforcing", func() {
		p := &v1.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Name: "defaults"}}
		Expect(k8s.Create(ctx, p)).To(Succeed())
		DeferCleanup(func() { Expect(k8s.Delete(ctx, p)).To(Succeed()) })
		Expect(p.Spec.Inherit).To(Equal([]v1.PolicyRef{{Kind: v1.PolicyRefSystem, Name: "container"}}))
		Expect(p.Spec.Mode).To(Equal(v1.SelinuxEnforcing))
		Expect(p.Spec.State).To(Equal(v1.ProfileEnabled))
	})
})

// appArmorPathPattern is the CRD's pattern for AppArmor paths, as the API
// server quotes it (api/v1 AppArmorPath).
const appArmorPathPattern = `^/([^\x00-\x1f\x7f"\\,{}]|\\[^\x00-\x1f\x7f"]|\{([^\x00-\x1f\x7f"\\{}]|\\[^\x00-\x1f\x7f"])*\})*$`
