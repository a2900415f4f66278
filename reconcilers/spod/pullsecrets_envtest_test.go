package spod_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/ociartifact/ocitest"
	"github.com/secprofiles/spo/reconcilers/spod"
)

var _ = Describe("registry credentials for OCI base profiles", func() {
	It("projects the named Secrets into the daemon and reports a missing or unusable one in a condition and a Warning Event, never breaking the DaemonSet", func(ctx SpecContext) {
		DeferCleanup(func(ctx SpecContext) { updateSPOD(ctx, func(s *v1.SPODSpec) { *s = spod.Default(namespace).Spec }) })

		By("a Secret that does not exist yet: the DaemonSet mounts it optionally, the condition says so")
		updateSPOD(ctx, func(s *v1.SPODSpec) {
			s.Security.OCIArtifactPullSecrets = []v1.PullSecretReference{{Name: "regcred"}}
		})
		Eventually(pullSecretsCondition(ctx)).Should(HaveField("Reason", spod.ReasonPullSecretNotFound))
		c := pullSecretsCondition(ctx)()
		Expect(c.Status).To(Equal(metav1.ConditionFalse))
		Expect(c.Message).To(ContainSubstring("spec.security.ociArtifactPullSecrets: Secret " + namespace + "/regcred does not exist"))
		Eventually(events(ctx, spod.ReasonPullSecretNotFound)).ShouldNot(BeEmpty())
		Eventually(func() []string { return volumeNames(getDaemonSet(ctx)) }).Should(ContainElement("oci-pull-secrets"))
		Expect(daemonContainer(getDaemonSet(ctx)).Args).To(ContainElement("--oci-pull-secrets-dir=/etc/spo/oci-pull-secrets"))
		Expect(getSPOD(ctx).Status.State).NotTo(Equal(v1.SPODError))

		By("creating the Secret makes the condition True, naming its registry")
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "regcred", Namespace: namespace},
			Type:       corev1.SecretTypeDockerConfigJson,
			Data:       map[string][]byte{corev1.DockerConfigJsonKey: ocitest.DockerConfigJSON("robot", "hunter2", "registry.example.com")},
		}
		Expect(k8s.Create(ctx, secret)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) { Expect(client.IgnoreNotFound(k8s.Delete(ctx, secret))).To(Succeed()) })
		Eventually(pullSecretsCondition(ctx)).Should(HaveField("Status", metav1.ConditionTrue))
		Expect(pullSecretsCondition(ctx)().Message).To(ContainSubstring("regcred (registry.example.com)"))

		By("emptying it makes the condition False again, without quoting it")
		secret.Data[corev1.DockerConfigJsonKey] = []byte(`{"auths":{"registry.example.com":{"email":"hunter2"}}}`)
		Expect(k8s.Update(ctx, secret)).To(Succeed())
		Eventually(pullSecretsCondition(ctx)).Should(HaveField("Reason", spod.ReasonPullSecretInvalid))
		Expect(pullSecretsCondition(ctx)().Message).NotTo(ContainSubstring("hunter2"))
		Eventually(events(ctx, spod.ReasonPullSecretInvalid)).ShouldNot(BeEmpty())

		By("naming no Secret removes the condition and the volume")
		updateSPOD(ctx, func(s *v1.SPODSpec) { s.Security.OCIArtifactPullSecrets = nil })
		Eventually(pullSecretsCondition(ctx)).Should(BeNil())
		Eventually(func() []string { return volumeNames(getDaemonSet(ctx)) }).ShouldNot(ContainElement("oci-pull-secrets"))
	})

	It("refuses, at admission, a name that is no Secret name and a Secret named twice", func(ctx SpecContext) {
		for sentence, refs := range map[string][]v1.PullSecretReference{
			"not a DNS subdomain": {{Name: "Reg_Cred"}},
			"empty":               {{Name: ""}},
			"named twice":         {{Name: "a"}, {Name: "a"}},
		} {
			s := getSPOD(ctx)
			s.Spec.Security.OCIArtifactPullSecrets = refs
			err := k8s.Update(ctx, s)
			Expect(err).To(HaveOccurred(), sentence)
			Expect(err.Error()).To(ContainSubstring("ociArtifactPullSecrets"), sentence)
		}
	})
})

// pullSecretsCondition is the SPOD's OCIArtifactPullSecrets condition, nil
// when it has none.
func pullSecretsCondition(ctx context.Context) func() *metav1.Condition {
	return func() *metav1.Condition {
		return meta.FindStatusCondition(getSPOD(ctx).Status.Conditions, spod.ConditionOCIArtifactPullSecrets)
	}
}
