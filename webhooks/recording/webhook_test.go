package recording_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
	"github.com/secprofiles/spo/webhooks/recording"
)

var _ = Describe("the recording webhook, reading recordings from a real API server", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "recording-"}}
		Expect(k8s.Create(ctx, namespace)).To(Succeed())
		ns = namespace.Name
	})

	It("annotates every selected container, and the API server accepts the pod", func(ctx SpecContext) {
		newRecording(ctx, ns, "rec", v1.RecordingSeccompProfile, v1.RecorderBpf)
		pod := webPod(ns, "app", "sidecar")
		pod.Spec.InitContainers = []corev1.Container{{Name: "setup", Image: "img"}}

		created := admitAndCreate(ctx, pod, recording.PrefixBpf+"setup", recording.PrefixBpf+"app", recording.PrefixBpf+"sidecar")

		Expect(created.Annotations).To(HaveLen(3))
		var nonces []string
		for _, c := range []string{"setup", "app", "sidecar"} {
			a, err := recording.ParseAnnotation(recording.PrefixBpf+c, created.Annotations[recording.PrefixBpf+c])
			Expect(err).NotTo(HaveOccurred())
			Expect(a.Recording).To(Equal("rec"))
			Expect(time.Unix(a.Unix, 0)).To(BeTemporally("~", time.Now(), time.Minute))
			nonces = append(nonces, a.Nonce)
		}
		Expect(nonces).To(HaveEach(nonces[0]), "one nonce per pod")
	})

	It("writes exactly <recording>_<container>_<nonce>_<unix-ts>", func(ctx SpecContext) {
		newRecording(ctx, ns, "rec", v1.RecordingAppArmorProfile, v1.RecorderBpf)
		h := recording.NewHandler(mgr.GetClient())
		h.Now = func() time.Time { return time.Unix(1700000000, 0) }

		Eventually(func() map[string]string {
			h.Rand = bytes.NewReader(bytes.Repeat([]byte{1}, 16))
			req := createRequest(webPod(ns, "app"))
			return patched(req, h.Handle(ctx, req)).Annotations
		}).Should(Equal(map[string]string{recording.PrefixBpfAppArmor + "app": "rec_app_bbbbb_1700000000"}))
	})

	It("sets the log-everything seccomp profile and the SELinux recording type for Logs recordings", func(ctx SpecContext) {
		newRecording(ctx, ns, "sec", v1.RecordingSeccompProfile, v1.RecorderLogs)
		newRecording(ctx, ns, "se", v1.RecordingSelinuxProfile, v1.RecorderLogs)
		pod := webPod(ns, "app")
		pod.Spec.SecurityContext = &corev1.PodSecurityContext{
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			SELinuxOptions: &corev1.SELinuxOptions{Level: "s0:c1,c2"},
		}

		created := admitAndCreate(ctx, pod, recording.PrefixLogs+"app", recording.PrefixAvcs+"app")

		Expect(created.Spec.Containers[0].SecurityContext).To(Equal(&corev1.SecurityContext{
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To("operator/log-enricher-trace.json")},
			SELinuxOptions: &corev1.SELinuxOptions{Level: "s0:c1,c2", Type: "selinuxrecording.process"},
		}))
	})

	It("replaces a spoofed annotation with its own", func(ctx SpecContext) {
		newRecording(ctx, ns, "rec", v1.RecordingSeccompProfile, v1.RecorderBpf)
		pod := webPod(ns, "app")
		pod.Annotations = map[string]string{recording.PrefixBpf + "app": "other_app_aaaaa_1"}

		created := admitAndCreate(ctx, pod, recording.PrefixBpf+"app")

		a, err := recording.ParseAnnotation(recording.PrefixBpf+"app", created.Annotations[recording.PrefixBpf+"app"])
		Expect(err).NotTo(HaveOccurred())
		Expect(a.Recording).To(Equal("rec"))
	})

	It("removes spoofed annotations, with a warning, when no recording selects the pod", func(ctx SpecContext) {
		pod := webPod(ns, "app")
		pod.Annotations = map[string]string{recording.PrefixLogs + "app": "fake_app_aaaaa_1", "keep": "me"}

		resp := review(ctx, pod)

		Expect(resp.Allowed).To(BeTrue())
		Expect(resp.Warnings).To(ConsistOf("removed annotation io.containers.trace-logs/app: set only by the recording webhook"))
		Expect(applyPatch(pod, resp).Annotations).To(Equal(map[string]string{"keep": "me"}))
	})

	It("sends no patch for a pod no recording selects", func(ctx SpecContext) {
		newRecording(ctx, ns, "rec", v1.RecordingSeccompProfile, v1.RecorderBpf)
		pod := webPod(ns, "app")
		pod.Labels = map[string]string{"app": "db"}
		Eventually(review).WithArguments(ctx, webPod(ns, "app")).Should(HaveField("Patch", Not(BeEmpty())))

		resp := review(ctx, pod)

		Expect(resp.Allowed).To(BeTrue())
		Expect(resp.Patch).To(BeEmpty())
		Expect(resp.PatchType).To(BeNil())
	})

	It("stops annotating once the recording is deleted", func(ctx SpecContext) {
		rec := newRecording(ctx, ns, "rec", v1.RecordingSeccompProfile, v1.RecorderBpf)
		Eventually(review).WithArguments(ctx, webPod(ns, "app")).Should(HaveField("Patch", Not(BeEmpty())))

		Expect(k8s.Delete(ctx, rec)).To(Succeed())

		Eventually(review).WithArguments(ctx, webPod(ns, "app")).Should(HaveField("Patch", BeEmpty()))
	})

	It("leaves pod updates alone", func(ctx SpecContext) {
		newRecording(ctx, ns, "rec", v1.RecordingSeccompProfile, v1.RecorderBpf)
		req := createRequest(webPod(ns, "app"))
		req.Operation = admissionv1.Update

		resp := recording.NewHandler(mgr.GetClient()).Handle(ctx, req)

		Expect(resp.Allowed).To(BeTrue())
		Expect(resp.Patches).To(BeEmpty())
	})

	It("has the API server refuse combinations nothing can record", func(ctx SpecContext) {
		rec := recordingObject(ns, "bad", v1.RecordingSelinuxProfile, v1.RecorderBpf)
		Expect(k8s.Create(ctx, rec)).To(MatchError(ContainSubstring("kind SelinuxProfile can only be recorded with recorder Logs")))
		rec = recordingObject(ns, "bad", v1.RecordingAppArmorProfile, v1.RecorderLogs)
		Expect(k8s.Create(ctx, rec)).To(MatchError(ContainSubstring("kind AppArmorProfile can only be recorded with recorder Bpf")))
	})
})

func recordingObject(ns, name string, kind v1.ProfileRecordingKind, recorder v1.ProfileRecorder) *v1.ProfileRecording {
	return &v1.ProfileRecording{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1.ProfileRecordingSpec{
			Kind: kind, Recorder: recorder,
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}
}

func newRecording(ctx context.Context, ns, name string, kind v1.ProfileRecordingKind, recorder v1.ProfileRecorder) *v1.ProfileRecording {
	rec := recordingObject(ns, name, kind, recorder)
	Expect(k8s.Create(ctx, rec)).To(Succeed())
	return rec
}

// webPod is a pod labelled app=web, from generateName as most pods are.
func webPod(ns string, containers ...string) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "web-", Labels: map[string]string{"app": "web"}}}
	for _, c := range containers {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: c, Image: "img"})
	}
	return pod
}

// admitAndCreate waits until the cache holds the recordings (the patched pod
// has every key in want), then creates the patched pod in the API server,
// which validates what the webhook produced, and returns it as stored.
func admitAndCreate(ctx context.Context, pod *corev1.Pod, want ...string) *corev1.Pod {
	var mutated *corev1.Pod
	Eventually(func() map[string]string {
		resp := review(ctx, pod)
		if !resp.Allowed || len(resp.Patch) == 0 {
			return nil
		}
		mutated = applyPatch(pod, resp)
		return mutated.Annotations
	}).Should(haveKeys(want))
	Expect(k8s.Create(ctx, mutated)).To(Succeed())
	stored := &corev1.Pod{}
	Expect(k8s.Get(ctx, client.ObjectKeyFromObject(mutated), stored)).To(Succeed())
	return stored
}

func haveKeys(keys []string) types.GomegaMatcher {
	matchers := []types.GomegaMatcher{Not(BeEmpty())}
	for _, k := range keys {
		matchers = append(matchers, HaveKey(k))
	}
	return SatisfyAll(matchers...)
}

// review posts an AdmissionReview, as the API server would, to the handler
// that Setup registered on the manager's webhook server.
func review(ctx context.Context, pod *corev1.Pod) admissionv1.AdmissionResponse {
	request := createRequest(pod)
	body, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  &request.AdmissionRequest,
	})
	Expect(err).NotTo(HaveOccurred())
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, webhooks.RecordingPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	mgr.GetWebhookServer().WebhookMux().ServeHTTP(rec, req)
	Expect(rec.Code).To(Equal(http.StatusOK))
	var out admissionv1.AdmissionReview
	Expect(json.Unmarshal(rec.Body.Bytes(), &out)).To(Succeed())
	Expect(out.Response).NotTo(BeNil())
	return *out.Response
}

func createRequest(pod *corev1.Pod) admission.Request {
	raw, err := json.Marshal(pod)
	Expect(err).NotTo(HaveOccurred())
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID:       k8stypes.UID("uid-1"),
		Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
		Namespace: pod.Namespace,
		Operation: admissionv1.Create,
		Object:    runtime.RawExtension{Raw: raw},
	}}
}

func applyPatch(pod *corev1.Pod, resp admissionv1.AdmissionResponse) *corev1.Pod {
	raw, err := json.Marshal(pod)
	Expect(err).NotTo(HaveOccurred())
	patch, err := jsonpatch.DecodePatch(resp.Patch)
	Expect(err).NotTo(HaveOccurred())
	raw, err = patch.Apply(raw)
	Expect(err).NotTo(HaveOccurred())
	out := &corev1.Pod{}
	Expect(json.Unmarshal(raw, out)).To(Succeed())
	return out
}

// patched applies the patches of a direct Handle call to its request.
func patched(req admission.Request, resp admission.Response) *corev1.Pod {
	Expect(resp.Allowed).To(BeTrue())
	ops, err := json.Marshal(resp.Patches)
	Expect(err).NotTo(HaveOccurred())
	patch, err := jsonpatch.DecodePatch(ops)
	Expect(err).NotTo(HaveOccurred())
	raw, err := patch.Apply(req.Object.Raw)
	Expect(err).NotTo(HaveOccurred())
	pod := &corev1.Pod{}
	Expect(json.Unmarshal(raw, pod)).To(Succeed())
	return pod
}
