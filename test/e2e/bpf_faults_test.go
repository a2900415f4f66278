package e2e

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/containerid"
	"github.com/secprofiles/spo/reconcilers/recordingmerger"
	"github.com/secprofiles/spo/reconcilers/spod"
	"github.com/secprofiles/spo/test/cluster"
)

// The recorded workloads of the fault steps. Each makes mkdir before the
// fault and uname after it (the sleep spans the fault).
const (
	spansFault = `mkdir /tmp/before; sleep 15; uname`
	// crashOnce fails on its first run and succeeds on its second: the
	// emptyDir outlives the container.
	crashOnce = `if [ -e /data/once ]; then uname; else touch /data/once; mkdir /tmp/first; exit 3; fi`
	// runsUntilDeleted makes mkdir, then waits to be deleted.
	runsUntilDeleted = `mkdir /tmp/before; exec sleep 600`
)

// bpfRecordingSurvivesDaemonKill SIGKILLs the daemon container while it
// records three pods: one spanning the kill, one whose container crashes
// and is restarted, one deleted while it runs. Each profile appears exactly
// once, holds what every incarnation did and says it missed nothing.
func bpfRecordingSurvivesDaemonKill(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, map[string]string{v1.LabelEnableRecording: "true"})
	spans := recordedPod(t, ns, "spans", spansFault)
	crash := recordedPod(t, ns, "crash", crashOnce)
	crash.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	crash.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	crash.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
	gone := recordedPod(t, ns, "gone", runsUntilDeleted)
	for _, p := range []*corev1.Pod{spans, crash, gone} {
		if err := k8s.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	waitRunningFor(t, spans, 2*time.Second)
	waitRunningFor(t, gone, 2*time.Second)
	killContainer(t, spod.ContainerDaemon)
	if err := k8s.Delete(ctx, gone, client.GracePeriodSeconds(1)); err != nil {
		t.Fatal(err)
	}
	waitPodDone(t, spans)
	waitPodDone(t, crash)
	if crash.Status.ContainerStatuses[0].RestartCount < 1 {
		t.Errorf("pod crash: container never restarted: %s", terminations(crash))
	}
	for name, want := range map[string][]string{
		"spans": {"mkdir|mkdirat", "clock_nanosleep|nanosleep", "uname", "exit_group"},
		"crash": {"mkdir|mkdirat", "uname", "exit_group"},
		"gone":  {"mkdir|mkdirat", "clock_nanosleep|nanosleep"},
	} {
		p := onlyProfile(t, ns, "bpf-"+name)
		if missing := missingOf(allowed(p), want...); len(missing) > 0 {
			t.Errorf("profile %s lacks %v: %v", p.Name, missing, allowed(p))
		}
		for _, a := range []string{v1.AnnotationRecordingGap, v1.AnnotationRecordingMissed} {
			if v, ok := p.Annotations[a]; ok {
				t.Errorf("profile %s says %s=%q; the bpf-recorder kept everything", p.Name, a, v)
			}
		}
	}
	deletePods(t, spans, crash, gone)
}

// bpfRecordingSurvivesRecorderKill SIGKILLs the bpf-recorder container
// while it records: what the container did after the recorder came back
// is in the profile, and the profile says what it may lack.
func bpfRecordingSurvivesRecorderKill(t *testing.T) {
	ns := newNamespace(t, map[string]string{v1.LabelEnableRecording: "true"})
	spans := recordedPod(t, ns, "spans", spansFault)
	if err := k8s.Create(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	waitRunningFor(t, spans, 2*time.Second)
	killContainer(t, spod.ContainerBpfRecorder)
	waitPodDone(t, spans)
	p := onlyProfile(t, ns, "bpf-spans")
	if missing := missingOf(allowed(p), "uname", "exit_group"); len(missing) > 0 {
		t.Errorf("profile %s lacks %v, made after the bpf-recorder restarted: %v", p.Name, missing, allowed(p))
	}
	if p.Annotations[v1.AnnotationRecordingGap] != "tools" {
		t.Errorf("profile %s annotations %v: want %s=tools (what ran while the recorder was down is missing)",
			p.Name, p.Annotations, v1.AnnotationRecordingGap)
	}
	deletePods(t, spans)
}

// recordedPod is a tools pod recorded by its own bpf ProfileRecording
// "bpf-<name>", once the recording webhook annotates such pods.
func recordedPod(t *testing.T, ns, name, script string) *corev1.Pod {
	t.Helper()
	createRecording(t, ns, "bpf-"+name, v1.RecorderBpf, v1.MergeNone, name)
	p := toolsPod(ns, name, script, nil)
	p.Labels = map[string]string{"app": name}
	waitRecordingAdmitted(t, p)
	return p
}

// waitRunningFor waits until pod's container has run for d.
func waitRunningFor(t *testing.T, pod *corev1.Pod, d time.Duration) {
	t.Helper()
	waitFor(t, 2*time.Minute, "pod "+pod.Name+" to run", func() (bool, string) {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(pod), pod); err != nil {
			return false, err.Error()
		}
		for _, c := range pod.Status.ContainerStatuses {
			if c.State.Running != nil {
				return time.Since(c.State.Running.StartedAt.Time) > d, ""
			}
		}
		return false, terminations(pod)
	})
}

// killContainer SIGKILLs every process of the SPOD pod's container name
// (through the host's /proc: the test runs on the node) and waits until
// the kubelet restarted it and it is ready again.
func killContainer(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	pod, status := spodContainer(t, name)
	pids, err := containerid.PidsOf("/proc", status.ContainerID)
	if err != nil {
		t.Fatalf("processes of %s/%s: %v", pod.Name, name, err)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("kill -9 %d (%s/%s): %v", pid, pod.Name, name, err)
		}
	}
	waitFor(t, 3*time.Minute, name+" to be restarted and ready", func() (bool, string) {
		p := &corev1.Pod{}
		if err := k8s.Get(ctx, types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name}, p); err != nil {
			return false, err.Error()
		}
		for _, c := range p.Status.ContainerStatuses {
			if c.Name == name {
				return c.RestartCount > status.RestartCount && c.Ready, fmt.Sprintf("%+v", c)
			}
		}
		return false, "no status"
	})
}

func spodContainer(t *testing.T, name string) (*corev1.Pod, corev1.ContainerStatus) {
	t.Helper()
	var pods corev1.PodList
	if err := k8s.List(context.Background(), &pods, client.InNamespace(cluster.Namespace)); err != nil {
		t.Fatal(err)
	}
	for i, p := range pods.Items {
		for _, c := range p.Status.ContainerStatuses {
			if c.Name == name && c.ContainerID != "" {
				return &pods.Items[i], c
			}
		}
	}
	t.Fatalf("no pod in %s runs a container %s", cluster.Namespace, name)
	return nil, corev1.ContainerStatus{}
}

// onlyProfile waits for the profile the recording makes and checks it is
// the only one the recording made.
func onlyProfile(t *testing.T, ns, recording string) *v1.SeccompProfile {
	t.Helper()
	p := waitRecordedProfile(t, recording+"-tools")
	var all v1.SeccompProfileList
	if err := k8s.List(context.Background(), &all, client.MatchingLabels{
		recordingmerger.LabelRecording: recording, recordingmerger.LabelRecordingNamespace: ns,
	}); err != nil {
		t.Fatal(err)
	}
	if len(all.Items) != 1 {
		var names []string
		for _, x := range all.Items {
			names = append(names, x.Name)
		}
		t.Errorf("recording %s made %d profiles %v, want exactly one", recording, len(all.Items), names)
	}
	return p
}
