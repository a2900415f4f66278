package recorder_test

import (
	"context"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	bpfrecorderv1 "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/recorder"
	"github.com/secprofiles/spo/webhooks/recording"
)

var _ = Describe("the recorder in a daemon's manager", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "recorder-",
			Labels: map[string]string{v1.LabelEnableRecording: "true"}}}
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
		Expect(profile.Spec.Syscalls[0].Names).To(Equal(withBase("SCMP_ARCH_X86_64", "read")))
		Expect(bpfCalls()).NotTo(ContainElement(ContainSubstring("aaaaa")), "pod %s is on another node", other.Name)
	})

	It("re-arms a running recording when the bpf recorder restarts, with no pod event", func(ctx SpecContext) {
		instance := "run-1"
		var mu sync.Mutex
		services := lockedInstance{fakeServices: fakeServices{bpf: bpf}, mu: &mu, instance: &instance}
		startDaemonWith(services)
		pod := newNodePod(ctx, ns, "rearmed", node, "hhhhh")
		key := "rec_app_hhhhh_1700000000"
		setContainer(ctx, pod, "containerd://c5", false)
		Eventually(bpfCalls).Should(ContainElement("Start(c5," + key + ")"))

		mu.Lock()
		instance = "run-2"
		mu.Unlock()
		Eventually(func() int {
			n := 0
			for _, c := range bpfCalls() {
				if c == "Start(c5,"+key+")" {
					n++
				}
			}
			return n
		}).Should(Equal(2), "the container registered again with the new recorder")
		Eventually(eventsOf).WithContext(ctx).WithArguments(ns, "rec").Should(ContainElement(
			HaveField("Reason", recorder.ReasonRecordingGap)))
	})

	It("records every incarnation of a container the kubelet restarts into one profile, naming the ones it holds nothing of", func(ctx SpecContext) {
		bpf.syscalls["c6"] = &bpfrecorderv1.SyscallsResponse{Syscalls: []string{"read"}, Architecture: "SCMP_ARCH_X86_64"}
		bpf.syscalls["c8"] = &bpfrecorderv1.SyscallsResponse{Syscalls: []string{"write"}, Architecture: "SCMP_ARCH_X86_64"}
		startDaemon()
		pod := newNodePod(ctx, ns, "crashing", node, "iiiii", func(p *corev1.Pod) { p.Spec.RestartPolicy = corev1.RestartPolicyAlways })
		key := "rec_app_iiiii_1700000000"

		// The first incarnation crashes; the kubelet will restart it.
		pod.Status.Phase = corev1.PodRunning
		pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", ContainerID: "containerd://c6",
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, ContainerID: "containerd://c6"}}}}
		Expect(k8s.Status().Update(ctx, pod)).To(Succeed())
		Eventually(bpfCalls).Should(ContainElement("Start(c6," + key + ")"))
		Consistently(bpfCalls).WithTimeout(time.Second).ShouldNot(ContainElement("SyscallsForContainer(c6)"),
			"collected a container the kubelet restarts")

		// It ran twice more; the daemon saw only the last two (c7 ran and
		// ended in between, and the recorder holds nothing of it).
		pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", ContainerID: "containerd://c8", RestartCount: 2,
			State:                corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, ContainerID: "containerd://c7"}}}}
		Expect(k8s.Status().Update(ctx, pod)).To(Succeed())
		Eventually(bpfCalls).Should(ContainElements("Start(c7,"+key+")", "Start(c8,"+key+")"))
		Expect(k8s.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())

		profile := &v1.SeccompProfile{}
		Eventually(func() error { return k8s.Get(ctx, client.ObjectKey{Name: "rec-app-iiiii"}, profile) }).Should(Succeed())
		Expect(profile.Spec.Syscalls[0].Names).To(Equal(withBase("SCMP_ARCH_X86_64", "read", "write")))
		Expect(profile.Annotations).To(HaveKeyWithValue(v1.AnnotationRecordingMissed, "incarnation c7"))
		Eventually(bpfCalls).Should(ContainElements("Stop(c6,"+key+")", "Stop(c7,"+key+")", "Stop(c8,"+key+")"))
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

var _ = Describe("what a namespace user cannot make the recorder do", func() {
	var ns string

	newNamespace := func(ctx SpecContext, optIn bool) string {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "tenant-"}}
		if optIn {
			namespace.Labels = map[string]string{v1.LabelEnableRecording: "true"}
		}
		Expect(k8s.Create(ctx, namespace)).To(Succeed())
		Expect(k8s.Create(ctx, &v1.ProfileRecording{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace.Name, Name: "rec"},
			Spec: v1.ProfileRecordingSpec{
				Kind: v1.RecordingSeccompProfile, Recorder: v1.RecorderBpf, MergeStrategy: v1.MergeContainers,
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			},
		})).To(Succeed())
		return namespace.Name
	}

	BeforeEach(func(ctx SpecContext) { ns = newNamespace(ctx, true) })

	It("never adopts a profile with the recording's labels that the recording did not create", func(ctx SpecContext) {
		// Named like the recording's result, with the three labels a
		// recording sets copied, but not made by this ProfileRecording.
		foreign := &v1.SeccompProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "rec-app-ddddd", Labels: map[string]string{
				"spo.x-k8s.io/recording": "rec", "spo.x-k8s.io/recording-namespace": ns, "spo.x-k8s.io/container": "app",
			}},
			Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActAllow},
		}
		Expect(k8s.Create(ctx, foreign)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) { Expect(k8s.Delete(ctx, foreign)).To(Succeed()) })
		bpf.syscalls["c4"] = &bpfrecorderv1.SyscallsResponse{Syscalls: []string{"mount"}}
		startDaemon()
		pod := newNodePod(ctx, ns, "fixed", node, "ddddd")
		setContainer(ctx, pod, "containerd://c4", true)

		Eventually(eventsOf).WithContext(ctx).WithArguments(ns, "rec").Should(ContainElement(SatisfyAll(
			HaveField("Reason", recorder.ReasonProfileConflict), HaveField("Type", corev1.EventTypeWarning),
			HaveField("Note", ContainSubstring("rec-app-ddddd")))))
		got := &v1.SeccompProfile{}
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(foreign), got)).To(Succeed())
		Expect(got.Spec.Syscalls).To(BeEmpty(), "the recording wrote into a profile it did not create")
		Expect(got.Annotations).NotTo(HaveKey(recorder.AnnotationRecordedFrom))
		Expect(loadState(pod.UID, "app")).To(HaveField("Done", BeFalse()), "the recording is kept to retry")
	})

	It("records nothing for a namespace that did not opt in, nor for a container the pod lacks", func(ctx SpecContext) {
		closed := newNamespace(ctx, false)
		startDaemon()
		outside := newNodePod(ctx, closed, "outside", node, "eeeee")
		ghost := recording.Annotation{Prefix: recording.PrefixBpf, Container: "ghost", Recording: "rec", Nonce: "fffff", Unix: 1700000000}
		inside := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "ghost", Namespace: ns, Annotations: map[string]string{ghost.Key(): ghost.Value()}},
			Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "app"}}},
		}
		Expect(k8s.Create(ctx, inside)).To(Succeed())

		Eventually(eventsOf).WithContext(ctx).WithArguments(closed, "outside").Should(ContainElement(SatisfyAll(
			HaveField("Reason", recorder.ReasonRecordingRefused),
			HaveField("Note", ContainSubstring(v1.LabelEnableRecording)))))
		Eventually(eventsOf).WithContext(ctx).WithArguments(ns, "ghost").Should(ContainElement(SatisfyAll(
			HaveField("Reason", recorder.ReasonRecordingRefused),
			HaveField("Note", ContainSubstring(`no container "ghost"`)))))
		Expect(bpfCalls()).NotTo(ContainElement(ContainSubstring("eeeee")), "pod %s was recorded", outside.Name)
		Expect(bpfCalls()).NotTo(ContainElement(ContainSubstring("fffff")))
	})

	It("keeps two pods with the same annotation value apart", func(ctx SpecContext) {
		startDaemon()
		first := newNodePod(ctx, ns, "first", node, "ggggg")
		Eventually(bpfCalls).Should(ContainElement("Start(,rec_app_ggggg_1700000000)"))
		second := newNodePod(ctx, ns, "second", node, "ggggg")
		Eventually(eventsOf).WithContext(ctx).WithArguments(ns, "second").Should(ContainElement(SatisfyAll(
			HaveField("Reason", recorder.ReasonRecordingRefused), HaveField("Note", ContainSubstring(first.Name)))))
		Expect(loadState(first.UID, "app")).To(HaveField("Pod", first.Name))
		// The refusal's Event is sent before its state is saved.
		Eventually(func(g Gomega) {
			st, ok, err := states.Load(second.UID, "app")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(ok).To(BeTrue(), "no record of pod %s container app", second.UID)
			g.Expect(st.Done).To(BeTrue())
		}).Should(Succeed())
	})
})

// eventsOf returns the Events about the object namespace/name.
func eventsOf(ctx context.Context, namespace, name string) ([]eventsv1.Event, error) {
	var list eventsv1.EventList
	if err := k8s.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return nil, err
	}
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == name {
			out = append(out, e)
		}
	}
	return out, nil
}

func loadState(uid types.UID, container string) *recorder.State {
	st, ok, err := states.Load(uid, container)
	Expect(err).NotTo(HaveOccurred())
	Expect(ok).To(BeTrue(), "no record of pod %s container %s", uid, container)
	return st
}

// lockedInstance is a bpf recorder whose identity the spec changes.
type lockedInstance struct {
	fakeServices
	mu       *sync.Mutex
	instance *string
}

func (s lockedInstance) BpfRecorderInstance() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.instance, nil
}

func bpfCalls() []string {
	bpf.mu.Lock()
	defer bpf.mu.Unlock()
	return slices.Clone(bpf.calls)
}

func newNodePod(ctx context.Context, ns, name, nodeName, nonce string, edits ...func(*corev1.Pod)) *corev1.Pod {
	a := recording.Annotation{Prefix: recording.PrefixBpf, Container: "app", Recording: "rec", Nonce: nonce, Unix: 1700000000}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: ns, Annotations: map[string]string{a.Key(): a.Value()},
			Labels: map[string]string{"app": "web"},
		},
		Spec: corev1.PodSpec{NodeName: nodeName, RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "app", Image: "app"}}},
	}
	if name == "" {
		pod.GenerateName = "web-"
	}
	for _, edit := range edits {
		edit(pod)
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
