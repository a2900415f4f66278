package integration

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks/recording"
)

// The admission policies of config/policy (installed by BeforeSuite as a
// deploy installs them) with the real recording webhook in front of them.
const (
	policyRecNS   = "policy-rec-ns"   // opted in to both webhooks; recordings select app=traced
	policyPlainNS = "policy-plain-ns" // not opted in: the webhook never runs
	policyBindNS  = "policy-bind-ns"  // opted in to bindings
)

var _ = Describe("Admission policies for spo's recording profiles and annotations", Ordered, func() {
	ctx := context.Background()

	BeforeAll(func() {
		for ns, labels := range map[string]map[string]string{
			// Both webhooks: the binding webhook is reinvoked after the
			// recording webhook's changes; the annotation policy is not.
			policyRecNS: {v1.LabelEnableRecording: "true", v1.LabelEnableBinding: "true"}, policyPlainNS: nil,
		} {
			Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels}})).To(Succeed())
		}
		for _, r := range []*v1.ProfileRecording{
			policyRecording("traced-logs", v1.RecordingSeccompProfile, "web", "init"),
			policyRecording("traced-avcs", v1.RecordingSelinuxProfile, "web"),
		} {
			Expect(k8s.Create(ctx, r)).To(Succeed())
		}
		Eventually(webhookReady).Should(Succeed())
		// Policies and recordings reach the API server's and the webhook's
		// caches on their own schedule: wait until both act.
		Eventually(func() error {
			return k8s.Create(ctx, tracedPod(policyPlainNS, nil, recording.LogEverythingLocalhostProfile), client.DryRunAll)
		}).Should(MatchError(ContainSubstring("spo reserves its recording profiles")), "the policy is in force")
		Eventually(func() map[string]string {
			p := pod("probe-", policyRecNS, map[string]string{"app": "traced"}, corev1.Container{Name: "web", Image: "nginx"})
			Expect(k8s.Create(ctx, p, client.DryRunAll)).To(Succeed())
			return p.Annotations
		}).Should(HaveLen(2), "the webhook knows both recordings")
	})

	AfterAll(func() {
		for _, ns := range []string{policyRecNS, policyPlainNS, policyBindNS} {
			Expect(k8s.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(ns), client.GracePeriodSeconds(0))).To(Succeed())
		}
	})

	It("refuses a container under the log-everything profile without the webhook's annotation, however its path is spelled", func() {
		for _, path := range []string{
			"operator/log-enricher-trace.json", "operator/./log-enricher-trace.json",
			"./operator/log-enricher-trace.json", "operator//log-enricher-trace.json",
			"operator/log-enricher-trace.json/",
		} {
			err := k8s.Create(ctx, tracedPod(policyPlainNS, nil, path))
			Expect(err).To(MatchError(And(
				ContainSubstring(`container "web": spec.containers{web}.securityContext.seccompProfile.localhostProfile "%s"`, path),
				ContainSubstring("without the annotation io.containers.trace-logs/web"))), path)
		}
		// In an opted-in namespace, on a pod no recording selects.
		err := k8s.Create(ctx, tracedPod(policyRecNS, map[string]string{"app": "other"}, recording.LogEverythingLocalhostProfile))
		Expect(err).To(MatchError(ContainSubstring(`container "web": spec.containers{web}`)))
	})

	It("refuses an init container, or a container the recording does not select, under a recording profile", func() {
		p := pod("init-", policyPlainNS, nil, corev1.Container{Name: "web", Image: "nginx"})
		p.Spec.InitContainers = []corev1.Container{{Name: "setup", Image: "busybox",
			SecurityContext: &corev1.SecurityContext{SeccompProfile: localhost(recording.LogEverythingLocalhostProfile)}}}
		Expect(k8s.Create(ctx, p)).To(MatchError(ContainSubstring(
			`container "setup": spec.initContainers{setup}.securityContext.seccompProfile.localhostProfile`)))

		// traced-avcs records "web" only: "side" may not pick the type.
		p = pod("side-", policyRecNS, map[string]string{"app": "traced"}, corev1.Container{Name: "web", Image: "nginx"},
			corev1.Container{Name: "side", Image: "busybox",
				SecurityContext: &corev1.SecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: recording.SELinuxRecordingType}}})
		Expect(k8s.Create(ctx, p)).To(MatchError(And(
			ContainSubstring(`container "side": spec.containers{side}.securityContext.seLinuxOptions.type "selinuxrecording.process"`),
			ContainSubstring("without the annotation io.containers.trace-avcs/side"),
			Not(ContainSubstring(`container "web"`)))))
	})

	It("refuses the recording profiles in the pod-level securityContext, even on a recorded pod", func() {
		p := pod("podlevel-", policyRecNS, map[string]string{"app": "traced"}, corev1.Container{Name: "web", Image: "nginx"})
		p.Spec.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: localhost("./operator/log-enricher-trace.json")}
		Expect(k8s.Create(ctx, p)).To(MatchError(And(
			ContainSubstring(`spec.securityContext.seccompProfile.localhostProfile "./operator/log-enricher-trace.json"`),
			ContainSubstring("the pod-level securityContext can never use them"))))

		p = pod("podlevel-", policyPlainNS, nil, corev1.Container{Name: "web", Image: "nginx"})
		p.Spec.SecurityContext = &corev1.PodSecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: recording.SELinuxRecordingType}}
		Expect(k8s.Create(ctx, p)).To(MatchError(ContainSubstring(`spec.securityContext.seLinuxOptions.type "selinuxrecording.process"`)))
	})

	It("admits a pod the recording webhook marked, under both recording profiles", func() {
		p := pod("traced-", policyRecNS, map[string]string{"app": "traced"}, corev1.Container{Name: "web", Image: "nginx"})
		p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox",
			// Set by hand too: the annotation is what counts, and the
			// webhook adds it.
			SecurityContext: &corev1.SecurityContext{SeccompProfile: localhost("operator//log-enricher-trace.json")}}}
		Expect(k8s.Create(ctx, p)).To(Succeed())
		Expect(p.Annotations).To(HaveKey("io.containers.trace-logs/web"))
		Expect(p.Annotations).To(HaveKey("io.containers.trace-logs/init"))
		Expect(p.Annotations).To(HaveKey("io.containers.trace-avcs/web"))
		Expect(seccompOf(p.Spec.Containers[0])).To(Equal(localhost(recording.LogEverythingLocalhostProfile)))
		Expect(p.Spec.Containers[0].SecurityContext.SELinuxOptions.Type).To(Equal(recording.SELinuxRecordingType))
	})

	It("refuses a hand-written recording annotation where the webhook did not set it, and never lets one through", func() {
		p := tracedPod(policyPlainNS, nil, recording.LogEverythingLocalhostProfile)
		p.Annotations = map[string]string{"io.containers.trace-logs/web": "rec_web_abcde_1700000000"}
		Expect(k8s.Create(ctx, p)).To(MatchError(ContainSubstring(
			`container "web": spec.containers{web}.securityContext.seccompProfile.localhostProfile`)))

		// Without the profile the pod is admitted, but never marked: the
		// annotation would make the nodes record it.
		p = pod("spoof-", policyPlainNS, nil, corev1.Container{Name: "web", Image: "nginx"})
		p.Annotations = map[string]string{"io.containers.trace-bpf/web": "rec_web_abcde_1700000000", "keep": "me"}
		Expect(k8s.Create(ctx, p)).To(Succeed())
		Expect(p.Annotations).To(Equal(map[string]string{"keep": "me"}))
	})

	It("refuses adding, changing or removing a recording annotation on update, and passes other updates", func() {
		p := pod("upd-", policyRecNS, map[string]string{"app": "traced"}, corev1.Container{Name: "web", Image: "nginx"})
		Expect(k8s.Create(ctx, p)).To(Succeed())
		orig := p.Annotations["io.containers.trace-logs/web"]
		Expect(orig).NotTo(BeEmpty())

		for what, edit := range map[string]func(a map[string]string){
			"io.containers.trace-logs/web":         func(a map[string]string) { a["io.containers.trace-logs/web"] = "other_web_abcde_1700000000" },
			"io.containers.trace-bpf-apparmor/web": func(a map[string]string) { a["io.containers.trace-bpf-apparmor/web"] = "x_web_abcde_1700000000" },
			"io.containers.trace-avcs/web":         func(a map[string]string) { delete(a, "io.containers.trace-avcs/web") },
		} {
			changed := p.DeepCopy()
			edit(changed.Annotations)
			Expect(k8s.Update(ctx, changed)).To(MatchError(And(
				ContainSubstring("metadata.annotations: "+what),
				ContainSubstring("cannot be added, changed or removed"))), what)
		}

		p.Labels["tier"] = "front"
		p.Annotations["note"] = "unrelated"
		Expect(k8s.Update(ctx, p)).To(Succeed())
		Expect(p.Annotations).To(HaveKeyWithValue("io.containers.trace-logs/web", orig))
	})

	It("refuses an ephemeral container under a recording profile, and admits one without", func() {
		p := pod("debug-", policyPlainNS, nil, corev1.Container{Name: "web", Image: "nginx"})
		Expect(k8s.Create(ctx, p)).To(Succeed())

		withDebug := func(name string, sc *corev1.SecurityContext) *corev1.Pod {
			d := p.DeepCopy()
			d.Spec.EphemeralContainers = append(d.Spec.EphemeralContainers, corev1.EphemeralContainer{
				EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: name, Image: "busybox",
					TerminationMessagePolicy: corev1.TerminationMessageReadFile, ImagePullPolicy: corev1.PullIfNotPresent,
					SecurityContext: sc}})
			return d
		}
		err := k8s.SubResource("ephemeralcontainers").Update(ctx, withDebug("dbg",
			&corev1.SecurityContext{SeccompProfile: localhost("operator/./log-enricher-trace.json")}))
		Expect(err).To(MatchError(And(
			ContainSubstring(`ephemeral container "dbg": spec.ephemeralContainers{dbg}.securityContext.seccompProfile.localhostProfile "operator/./log-enricher-trace.json"`),
			ContainSubstring("ephemeral containers are never recorded"))))

		Expect(k8s.SubResource("ephemeralcontainers").Update(ctx, withDebug("dbg", nil))).To(Succeed())
	})
	It("refuses a pod a ProfileBinding would put under the log-everything profile", func() {
		Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: policyBindNS,
			Labels: map[string]string{v1.LabelEnableBinding: "true"}}})).To(Succeed())
		Expect(client.IgnoreAlreadyExists(k8s.Create(ctx, logEverythingProfile()))).To(Succeed())
		Eventually(seccompState(ctx, recording.LogEverythingProfile)).Should(Equal(v1.ProfileStateInstalled))
		b := &v1.ProfileBinding{ObjectMeta: metav1.ObjectMeta{Name: "trace", Namespace: policyBindNS},
			Spec: v1.ProfileBindingSpec{Image: "busybox:trace",
				ProfileRef: v1.ProfileRef{Kind: v1.BindingSeccompProfile, Name: recording.LogEverythingProfile}}}
		if err := k8s.Create(ctx, b); err != nil {
			// Refusing the binding itself keeps the profile off pods too.
			Expect(err).To(MatchError(ContainSubstring(recording.LogEverythingProfile)))
			return
		}
		DeferCleanup(func() { Expect(k8s.Delete(ctx, b)).To(Succeed()) })
		// The webhook's cache sees the binding on its own schedule: until
		// then the pod passes unbound (dry run: nothing is created).
		Eventually(func() error {
			return k8s.Create(ctx, pod("bound-", policyBindNS, nil, corev1.Container{Name: "app", Image: "busybox:trace"}), client.DryRunAll)
		}).Should(MatchError(ContainSubstring(
			`container "app": spec.containers{app}.securityContext.seccompProfile.localhostProfile "operator/log-enricher-trace.json" without the annotation io.containers.trace-logs/app`)))
	})
})

// logEverythingProfile is what the SPOD reconciler installs for Logs
// recordings (other specs create it too).
func logEverythingProfile() *v1.SeccompProfile {
	return &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: recording.LogEverythingProfile},
		Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActLog}}
}

// policyRecording records kind from logs for the named containers of the
// pods labelled app=traced in policyRecNS.
func policyRecording(name string, kind v1.ProfileRecordingKind, containers ...string) *v1.ProfileRecording {
	return &v1.ProfileRecording{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: policyRecNS},
		Spec: v1.ProfileRecordingSpec{Kind: kind, Recorder: v1.RecorderLogs, Containers: containers,
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "traced"}}},
	}
}

// tracedPod is a pod whose container "web" names the seccomp profile at
// path itself.
func tracedPod(ns string, labels map[string]string, path string) *corev1.Pod {
	return pod("trace-", ns, labels, corev1.Container{Name: "web", Image: "nginx",
		SecurityContext: &corev1.SecurityContext{SeccompProfile: localhost(path)}})
}
