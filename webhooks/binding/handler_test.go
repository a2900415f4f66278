package binding_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
)

var _ = Describe("the binding handler, reading a real cache", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		ns = newNamespace(ctx)
	})

	It("sets the seccomp profile of a container whose image matches", func(ctx SpecContext) {
		p := newSeccompProfile(ctx, v1.ProfileStateInstalled)
		newBinding(ctx, ns, "nginx:1.27", v1.BindingSeccompProfile, p.Name)

		req := request(pod(ns, ctr("web", "nginx:1.27"), ctr("log", "fluentd")), false)
		resp := admit.Handle(ctx, req)

		Expect(resp.Allowed).To(BeTrue())
		Expect(resp.Warnings).To(BeEmpty())
		got := patched(req, resp)
		Expect(seccompOf(got.Spec.Containers[0])).To(Equal(localhost(localhostOf(p))))
		Expect(got.Spec.Containers[1].SecurityContext).To(BeNil())
		Expect(got.Spec.SecurityContext).To(BeNil())
	})

	It("uses * for every container no exact binding matched", func(ctx SpecContext) {
		exact := newSeccompProfile(ctx, v1.ProfileStateInstalled)
		fallback := newSeccompProfile(ctx, v1.ProfileStateInstalled)
		newBinding(ctx, ns, "nginx:1.27", v1.BindingSeccompProfile, exact.Name)
		newBinding(ctx, ns, "*", v1.BindingSeccompProfile, fallback.Name)

		req := request(pod(ns, ctr("web", "nginx:1.27"), ctr("log", "fluentd")), false)
		got := patched(req, admit.Handle(ctx, req))
		Expect(seccompOf(got.Spec.Containers[0])).To(Equal(localhost(localhostOf(exact))))
		Expect(seccompOf(got.Spec.Containers[1])).To(Equal(localhost(localhostOf(fallback))))
		Expect(got.Spec.SecurityContext).To(BeNil())
	})

	It("overwrites a pre-set Unconfined with a warning", func(ctx SpecContext) {
		p := newSeccompProfile(ctx, v1.ProfileStateInstalled)
		b := newBinding(ctx, ns, "nginx:1.27", v1.BindingSeccompProfile, p.Name)
		web := ctr("web", "nginx:1.27")
		web.SecurityContext = &corev1.SecurityContext{
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined},
		}

		req := request(pod(ns, web), false)
		resp := admit.Handle(ctx, req)

		Expect(resp.Allowed).To(BeTrue())
		Expect(resp.Warnings).To(ConsistOf(fmt.Sprintf(
			"container web: seccompProfile Unconfined replaced by %s from ProfileBinding %s/%s", localhostOf(p), ns, b.Name)))
		Expect(seccompOf(patched(req, resp).Spec.Containers[0])).To(Equal(localhost(localhostOf(p))))
	})

	It("admits without the profile, warns and records an Event when the profile is missing", func(ctx SpecContext) {
		b := newBinding(ctx, ns, "nginx:1.27", v1.BindingSeccompProfile, "no-such-profile")

		resp := admit.Handle(ctx, request(pod(ns, ctr("web", "nginx:1.27")), false))

		message := fmt.Sprintf("ProfileBinding %s/%s: SeccompProfile no-such-profile does not exist", ns, b.Name)
		Expect(resp.Allowed).To(BeTrue())
		Expect(resp.Patches).To(BeEmpty())
		Expect(resp.Warnings).To(ConsistOf(message + "; pod admitted without it"))
		Eventually(notes(ctx, b)).Should(ConsistOf(fmt.Sprintf("Pod %s/web-: %s; pod admitted without it", ns, message)))
	})

	It("admits without the profile, warns and records an Event when the profile is not Installed", func(ctx SpecContext) {
		p := newSeccompProfile(ctx, v1.ProfileStatePending)
		b := newBinding(ctx, ns, "nginx:1.27", v1.BindingSeccompProfile, p.Name)

		resp := admit.Handle(ctx, request(pod(ns, ctr("web", "nginx:1.27")), false))

		message := fmt.Sprintf("ProfileBinding %s/%s: SeccompProfile %s is not installed (status Pending)", ns, b.Name, p.Name)
		Expect(resp.Allowed).To(BeTrue())
		Expect(resp.Patches).To(BeEmpty())
		Expect(resp.Warnings).To(ConsistOf(message + "; pod admitted without it"))
		Eventually(notes(ctx, b)).Should(ConsistOf(ContainSubstring(message)))
	})

	It("denies with the same message when DenyNotInstalled is set", func(ctx SpecContext) {
		p := newSeccompProfile(ctx, v1.ProfileStatePending)
		b := newBinding(ctx, ns, "nginx:1.27", v1.BindingSeccompProfile, p.Name)

		resp := deny.Handle(ctx, request(pod(ns, ctr("web", "nginx:1.27")), false))

		message := fmt.Sprintf("ProfileBinding %s/%s: SeccompProfile %s is not installed (status Pending)", ns, b.Name, p.Name)
		Expect(resp.Allowed).To(BeFalse())
		Expect(resp.Result.Message).To(Equal(message))
		Eventually(notes(ctx, b)).Should(ConsistOf(ContainSubstring(message + "; pod denied")))
	})

	It("records no Event for a dry-run", func(ctx SpecContext) {
		dry := newBinding(ctx, ns, "nginx:1.27", v1.BindingSeccompProfile, "missing-for-dry-run")
		real := newBinding(ctx, ns, "redis:8", v1.BindingSeccompProfile, "missing-for-real")

		resp := admit.Handle(ctx, request(pod(ns, ctr("web", "nginx:1.27")), true))
		Expect(resp.Allowed).To(BeTrue())
		Expect(resp.Warnings).To(HaveLen(1), "a dry-run still warns")

		// A real request afterwards proves Events are flowing, so the
		// dry-run's absence is not just a slow recorder.
		admit.Handle(ctx, request(pod(ns, ctr("db", "redis:8")), false))
		Eventually(notes(ctx, real)).Should(HaveLen(1))
		Consistently(notes(ctx, dry), 2*time.Second).Should(BeEmpty())
	})

	It("respects podSelector", func(ctx SpecContext) {
		web := newSeccompProfile(ctx, v1.ProfileStateInstalled)
		db := newSeccompProfile(ctx, v1.ProfileStateInstalled)
		newBinding(ctx, ns, "nginx:1.27", v1.BindingSeccompProfile, db.Name, selectingApp("db"))
		newBinding(ctx, ns, "nginx:1.27", v1.BindingSeccompProfile, web.Name, selectingApp("web"))

		req := request(pod(ns, ctr("web", "nginx:1.27")), false)
		resp := admit.Handle(ctx, req)

		Expect(resp.Warnings).To(BeEmpty(), "the db binding does not select the pod, so nothing was ignored")
		Expect(seccompOf(patched(req, resp).Spec.Containers[0])).To(Equal(localhost(localhostOf(web))))
	})

	It("returns no patch when the pod already carries the profile", func(ctx SpecContext) {
		p := newSeccompProfile(ctx, v1.ProfileStateInstalled)
		newBinding(ctx, ns, "nginx:1.27", v1.BindingSeccompProfile, p.Name)
		web := ctr("web", "nginx:1.27")
		web.SecurityContext = &corev1.SecurityContext{SeccompProfile: localhost(localhostOf(p))}

		resp := admit.Handle(ctx, request(pod(ns, web), false))

		Expect(resp.Allowed).To(BeTrue())
		Expect(resp.Patches).To(BeEmpty())
		Expect(resp.PatchType).To(BeNil())
		Expect(resp.Warnings).To(BeEmpty())
	})

	It("produces a pod the API server accepts when a deprecated AppArmor annotation disagreed", func(ctx SpecContext) {
		aa := &v1.AppArmorProfile{}
		aa.GenerateName = "aa-"
		Expect(k8s.Create(ctx, aa)).To(Succeed())
		base := aa.DeepCopy()
		aa.Status.Status = v1.ProfileStateInstalled
		Expect(k8s.Status().Patch(ctx, aa, client.MergeFrom(base))).To(Succeed())
		Eventually(func() v1.ProfileState {
			got := &v1.AppArmorProfile{}
			Expect(cached.Get(ctx, client.ObjectKeyFromObject(aa), got)).To(Succeed())
			return got.Status.Status
		}).Should(Equal(v1.ProfileStateInstalled))
		newBinding(ctx, ns, "nginx:1.27", v1.BindingAppArmorProfile, aa.Name)
		p := pod(ns, ctr("web", "nginx:1.27"))
		p.Annotations = map[string]string{corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix + "web": "runtime/default"}

		req := request(p, false)
		resp := admit.Handle(ctx, req)
		Expect(resp.Warnings).To(ConsistOf(ContainSubstring("appArmorProfile RuntimeDefault replaced by " + aa.Name)))
		got := patched(req, resp)

		Expect(k8s.Create(ctx, got)).To(Succeed(), "the API server refuses annotations that disagree with fields")
		Expect(got.Spec.Containers[0].SecurityContext.AppArmorProfile.Type).To(Equal(corev1.AppArmorProfileTypeLocalhost))
		Expect(*got.Spec.Containers[0].SecurityContext.AppArmorProfile.LocalhostProfile).To(Equal(aa.Name))
	})

	It("sets the SELinux type a SelinuxProfile publishes, and the API server accepts the pod", func(ctx SpecContext) {
		sp := &v1.SelinuxProfile{}
		sp.GenerateName = "se-"
		Expect(k8s.Create(ctx, sp)).To(Succeed())
		base := sp.DeepCopy()
		sp.Status.Status, sp.Status.Usage = v1.ProfileStateInstalled, sp.Name+".process"
		Expect(k8s.Status().Patch(ctx, sp, client.MergeFrom(base))).To(Succeed())
		Eventually(func() string {
			got := &v1.SelinuxProfile{}
			Expect(cached.Get(ctx, client.ObjectKeyFromObject(sp), got)).To(Succeed())
			return got.Status.Usage
		}).Should(Equal(sp.Name + ".process"))
		newBinding(ctx, ns, "nginx:1.27", v1.BindingSelinuxProfile, sp.Name)

		req := request(pod(ns, ctr("web", "nginx:1.27")), false)
		resp := admit.Handle(ctx, req)
		got := patched(req, resp)

		Expect(k8s.Create(ctx, got)).To(Succeed())
		Expect(got.Spec.Containers[0].SecurityContext.SELinuxOptions.Type).To(Equal(sp.Name + ".process"))
	})

	It("allows anything but a pod CREATE untouched", func(ctx SpecContext) {
		p := newSeccompProfile(ctx, v1.ProfileStateInstalled)
		newBinding(ctx, ns, "nginx:1.27", v1.BindingSeccompProfile, p.Name)
		req := request(pod(ns, ctr("web", "nginx:1.27")), false)
		req.Operation = admissionv1.Update

		resp := admit.Handle(ctx, req)

		Expect(resp.Allowed).To(BeTrue())
		Expect(resp.Patches).To(BeEmpty())
	})
})
