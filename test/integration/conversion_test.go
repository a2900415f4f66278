package integration

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Older manifests keep working: the API server stores v1 and converts
// through the webhook, field for field, both ways.
var _ = Describe("Version conversion through the webhook", func() {
	ctx := context.Background()
	const old = `
apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: legacy
spec:
  disabled: true
  defaultAction: SCMP_ACT_ERRNO
  architectures: [SCMP_ARCH_X86_64]
  syscalls:
    - action: SCMP_ACT_ALLOW
      names: [read, write]
    - action: SCMP_ACT_ERRNO
      errnoRet: 38
      names: [ptrace]
      args:
        - {index: 0, value: 16, valueTwo: 3, op: SCMP_CMP_MASKED_EQ}
`

	It("stores a v1beta1 SeccompProfile as v1 and gives it back as v1beta1 unchanged", func() {
		Eventually(conversionReady(ctx, "seccompprofiles.security-profiles-operator.x-k8s.io")).Should(BeTrue())
		in := &unstructured.Unstructured{}
		Expect(yamlUnmarshal(old, &in.Object)).To(Succeed())
		Expect(k8s.Create(ctx, in.DeepCopy())).To(Succeed())
		DeferCleanup(func() { deleteAndWait(ctx, &v1.SeccompProfile{ObjectMeta: metaName("legacy")}) })

		p := &v1.SeccompProfile{}
		Expect(k8s.Get(ctx, client.ObjectKey{Name: "legacy"}, p)).To(Succeed())
		errno := uint(38)
		Expect(p.Spec).To(Equal(v1.SeccompProfileSpec{
			ProfileSpecBase: v1.ProfileSpecBase{State: v1.ProfileDisabled},
			DefaultAction:   v1.ActErrno,
			Architectures:   []v1.SeccompArch{"SCMP_ARCH_X86_64"},
			Syscalls: []v1.SeccompSyscall{
				{Names: []string{"read", "write"}, Action: v1.ActAllow},
				{Names: []string{"ptrace"}, Action: v1.ActErrno, ErrnoRet: &errno,
					Args: []v1.SeccompArg{{Index: 0, Value: 16, ValueTwo: 3, Op: "SCMP_CMP_MASKED_EQ"}}},
			},
		}))
		Expect(p.Annotations).NotTo(HaveKey("spo.x-k8s.io/conversion-data"))

		back := &unstructured.Unstructured{}
		back.SetAPIVersion("security-profiles-operator.x-k8s.io/v1beta1")
		back.SetKind("SeccompProfile")
		Expect(k8s.Get(ctx, client.ObjectKey{Name: "legacy"}, back)).To(Succeed())
		Expect(back.Object["spec"]).To(MatchJSONOf(in.Object["spec"]))
	})
})
