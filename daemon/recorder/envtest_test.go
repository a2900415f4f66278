package recorder_test

import (
	"context"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	bpfrecorderv1 "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/recorder"
	"github.com/secprofiles/spo/webhooks/recording"
)

var _ = Describe("the recorder in a daemon's manager", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "recorder-"}}
		Expect(k8s.Create(ctx, namespace)).To(Succeed())
		ns = namespace.Name
		Expect(k8s.Create(ctx, &v1.ProfileRecording{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "rec"},
			Spec: v1.ProfileRecordingSpec{
				Kind: v1.RecordingSeccompProfile, Recorder: v1.RecorderBpf, MergeStrategy: v1.MergeContainers,
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			},
		})).To(Succeed())
	})

	It("records a pod of its node from generateName into a partial profile, and ignores other nodes", func(ctx SpecContext) {
		bpf.syscalls["c1"] = &bpfrecorderv1.SyscallsResponse{Syscalls: []string{"read"}, Architecture: "SCMP_ARCH_X86_64"}
		startDaemon()
		other := newNodePod(ctx, ns, "elsewhere", "other-node", "aaaaa")
		pod := newNodePod(ctx, ns, "", node, "bbbbb")
		key := "rec_app_bbbbb_1700000000"
		Eventually(bpfCalls).Should(ContainElement("Start(," + key + ")"))

		setContainer(ctx, pod, "containerd://c1", true)
		name := "rec-app-" + pod.Name[len("web-"):]
		profile := &v1.SeccompProfile{}
		Eventually(func() error { return k8s.Get(ctx, client.ObjectKey{Name: name}, profile) }).Should(Succeed())
		Expect(profile.Labels).To(HaveKeyWithValue(v1.LabelPartial, "true"))
		Expect(profile.Spec.Syscalls[0].Names).To(Equal([]string{"read"}))
		Expect(bpfCalls()).NotTo(ContainElement(ContainSubstring("aaaaa")), "pod %s is on another node", other.Name)
	})

	It("collects after a restart what a pod left while the daemon was down", func(ctx SpecContext) {
		bpf.syscalls["c2"] = &bpfrecorderv1.SyscallsResponse{Syscalls: []string{"write"}}
		pod := newNodePod(ctx, ns, "gone", node, "ccccc")
		Expect(states.Save(&recorder.State{
			Key: "rec_app_ccccc_1700000000", Namespace: ns, Pod: pod.Name, PodUID: pod.UID, Container: "app",
			Recording: "rec", Kind: v1.RecordingSeccompProfile, Recorder: v1.RecorderBpf, Profile: "rec-app-ccccc",
			Partial: true, ProgramRef: true, ContainerID: "c2", ContainerRef: true,
		})).To(Succeed())
		Expect(k8s.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())
		Eventually(func() error { return k8s.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{}) }).
			Should(Satisfy(apierrors.IsNotFound))

		startDaemon()
		Eventually(func() error { return k8s.Get(ctx, client.ObjectKey{Name: "rec-app-ccccc"}, &v1.SeccompProfile{}) }).
			Should(Succeed())
		Eventually(func() ([]*recorder.State, error) { return states.ForPod(ns, pod.Name) }).Should(BeEmpty())
	})
})

func bpfCalls() []string {
	bpf.mu.Lock()
	defer bpf.mu.Unlock()
	return slices.Clone(bpf.calls)
}

func newNodePod(ctx context.Context, ns, name, nodeName, nonce string) *corev1.Pod {
	a := recording.Annotation{Prefix: recording.PrefixBpf, Container: "app", Recording: "rec", Nonce: nonce, Unix: 1700000000}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: ns, Annotations: map[string]string{a.Key(): a.Value()},
			Labels: map[string]string{"app": "web"},
		},
		Spec: corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "app", Image: "app"}}},
	}
	if name == "" {
		pod.GenerateName = "web-"
	}
	Expect(k8s.Create(ctx, pod)).To(Succeed())
	return pod
}

func setContainer(ctx context.Context, pod *corev1.Pod, id string, terminated bool) {
	s := corev1.ContainerStatus{Name: "app", ContainerID: id}
	if terminated {
		s.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 0}
	}
	pod.Status.Phase = corev1.PodRunning
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{s}
	Expect(k8s.Status().Update(ctx, pod)).To(Succeed())
}
