package recording

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Fixed inputs, so expected annotation values can be written out.
const testNonce = "n0nce"

var (
	testNow  = time.Unix(1700000000, 0)
	testTime = "1700000000"
	t0       = metav1.NewTime(time.Unix(1600000000, 0))
)

func value(recording, container string) string {
	return recording + "_" + container + "_" + testNonce + "_" + testTime
}

// newPod returns a pod labelled app=web with the named containers.
func newPod(containers ...string) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "ns", Labels: map[string]string{"app": "web"}}}
	for _, name := range containers {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: name, Image: "img"})
	}
	return pod
}

type podOption func(*corev1.Pod)

func withInit(name string) podOption {
	return func(p *corev1.Pod) {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: name})
	}
}

func withAnnotations(kv ...string) podOption {
	return func(p *corev1.Pod) {
		p.Annotations = map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			p.Annotations[kv[i]] = kv[i+1]
		}
	}
}

func withPodSeccomp(s *corev1.SeccompProfile) podOption {
	return func(p *corev1.Pod) { p.Spec.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: s} }
}

func withPodSELinux(o *corev1.SELinuxOptions) podOption {
	return func(p *corev1.Pod) { p.Spec.SecurityContext = &corev1.PodSecurityContext{SELinuxOptions: o} }
}

func pod(containers []string, opts ...podOption) *corev1.Pod {
	p := newPod(containers...)
	for _, o := range opts {
		o(p)
	}
	return p
}

// recording returns a recording of kind/recorder created at t0+age seconds
// that selects app=web.
func recording(name string, kind v1.ProfileRecordingKind, recorder v1.ProfileRecorder, opts ...func(*v1.ProfileRecording)) v1.ProfileRecording {
	r := v1.ProfileRecording{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", CreationTimestamp: t0},
		Spec: v1.ProfileRecordingSpec{
			Kind: kind, Recorder: recorder,
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}
	for _, o := range opts {
		o(&r)
	}
	return r
}

func containersOnly(names ...string) func(*v1.ProfileRecording) {
	return func(r *v1.ProfileRecording) { r.Spec.Containers = names }
}

func selecting(k, v string) func(*v1.ProfileRecording) {
	return func(r *v1.ProfileRecording) { r.Spec.PodSelector.MatchLabels = map[string]string{k: v} }
}

func createdAfter(seconds int64) func(*v1.ProfileRecording) {
	return func(r *v1.ProfileRecording) {
		r.CreationTimestamp = metav1.NewTime(t0.Add(time.Duration(seconds) * time.Second))
	}
}

func logEverything() *corev1.SeccompProfile {
	return &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To(LogEverythingLocalhostProfile)}
}
