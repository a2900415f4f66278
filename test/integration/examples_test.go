package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/spod"
)

// Every file in examples/ must be applied by some test. Profile examples
// are checked closely elsewhere; this test proves that each one, including
// those without a closer test, is accepted by the real API server, and
// fails when a new example appears without being listed here.
var _ = Describe("examples/", func() {
	ctx := context.Background()
	covered := map[string]string{
		"seccompprofile-webserver.yaml":            "seccomp_test.go",
		"seccompprofile-webserver-with-shell.yaml": "seccomp_test.go",
		"seccompprofile-log-all.yaml":              "seccomp_test.go",
		"spod.yaml":                                "here",
		"spod-spo.yaml":                            "here",
		"profilebinding.yaml":                      "webhook_test.go",
		"profilerecording-seccomp-bpf.yaml":        "webhook_test.go",
		"profilerecording-seccomp-logs.yaml":       "webhook_test.go",
		"profilerecording-selinux-logs.yaml":       "webhook_test.go",
		"profilerecording-apparmor-bpf.yaml":       "webhook_test.go",
		"selinuxprofile.yaml":                      "lsm_test.go",
		"rawselinuxprofile.yaml":                   "lsm_test.go",
		"apparmorprofile.yaml":                     "lsm_test.go",
		"apparmorprofile-complain.yaml":            "lsm_test.go",
		"profilebinding-selinux.yaml":              "lsm_test.go",
		"profilebinding-apparmor.yaml":             "lsm_test.go",
	}

	It("lists every example with the test that applies it", func() {
		entries, err := os.ReadDir(filepath.Join(root, "examples"))
		Expect(err).NotTo(HaveOccurred())
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".yaml") {
				Expect(covered).To(HaveKey(e.Name()), "examples/%s is not applied by any test", e.Name())
			}
		}
	})

	It("accepts the SecurityProfilesOperatorDaemon example", func() {
		for _, o := range apply(ctx, example("spod.yaml")) {
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(o), o)).To(Succeed())
			DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, o))).To(Succeed()) })
		}
	})

	It("accepts the SPO-shaped SecurityProfilesOperatorDaemon example, which the manager renders", func() {
		for _, o := range apply(ctx, example("spod-spo.yaml")) {
			DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, o))).To(Succeed()) })
			s := &v1.SecurityProfilesOperatorDaemon{}
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(o), s)).To(Succeed())
			_, ok := spod.Invalid(s.Spec)
			Expect(ok).To(BeTrue(), "the manager would refuse the example")
			Expect(s.Spec.Webhook.Options[0].Name).To(Equal("binding.spo.io"))
			Expect(s.Spec.Selinux.RawProfilesEnabled()).To(BeTrue(), "enableRawSelinuxProfiles defaults to true, as in SPO")
		}
	})
})
