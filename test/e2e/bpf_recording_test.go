package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
)

// bpfRuns is how many pods bpfRecordingHasNoStartupRace records and replays.
const bpfRuns = 20

// bpfScript's first command is the container's own execve of sh; mkdir and
// uname run in forked children that exec and exit within a millisecond.
// The kubelet publishes the container id only after all of it ran.
const bpfScript = `(exec mkdir /tmp/recorded); (exec uname -a) >/dev/null; ls -d /tmp/recorded && echo recorded=ok`

// bpfRecordingHasNoStartupRace records bpfRuns pods with the eBPF recorder,
// with no hold of any kind between the container's creation and its run:
// each profile must hold the container's first execve and the syscalls of
// its sub-millisecond children, and a new pod under each profile must run
// to completion.
func bpfRecordingHasNoStartupRace(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, map[string]string{v1.LabelEnableRecording: "true"})
	pods := make([]*corev1.Pod, bpfRuns)
	for i := range pods {
		name := fmt.Sprintf("run-%02d", i)
		createRecording(t, ns, "bpf-"+name[4:], v1.RecorderBpf, v1.MergeNone, name)
		pods[i] = toolsPod(ns, name, bpfScript, nil)
		pods[i].Labels = map[string]string{"app": name}
	}
	for _, p := range pods {
		waitRecordingAdmitted(t, p)
	}
	eachPod(t, pods, func(t *testing.T, p *corev1.Pod) {
		if err := k8s.Create(ctx, p); err != nil {
			t.Error(err)
			return
		}
		waitPodDone(t, p)
	})
	var failed []string
	replays := make([]*corev1.Pod, bpfRuns)
	replayNS := newNamespace(t, nil)
	for i, p := range pods {
		if p.Status.Phase != corev1.PodSucceeded {
			t.Fatalf("recorded pod %s: phase %s, %s", p.Name, p.Status.Phase, terminations(p))
		}
		prof := waitRecordedProfile(t, "bpf-"+p.Name[4:]+"-tools")
		got := allowed(prof)
		missing := missingOf(got, "execve", "exit_group", "uname", "clone|fork|vfork|clone3", "mkdir|mkdirat")
		if len(missing) > 0 {
			failed = append(failed, fmt.Sprintf("%s lacks %v (has %v)", prof.Name, missing, got))
		}
		replays[i] = toolsPod(replayNS, p.Name, bpfScript, &corev1.SeccompProfile{
			Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To(prof.Status.LocalhostProfile)})
	}
	if len(failed) > 0 {
		t.Errorf("%d of %d recordings are incomplete:\n%s", len(failed), bpfRuns, strings.Join(failed, "\n"))
	}
	var mu sync.Mutex
	ran := 0
	eachPod(t, replays, func(t *testing.T, p *corev1.Pod) {
		if err := k8s.Create(ctx, p); err != nil {
			t.Error(err)
			return
		}
		waitPodDone(t, p)
		if p.Status.Phase != corev1.PodSucceeded || !strings.Contains(podLog(t, p), "recorded=ok") {
			t.Errorf("pod %s under its recorded profile: phase %s, %s", p.Name, p.Status.Phase, terminations(p))
			return
		}
		mu.Lock()
		ran++
		mu.Unlock()
	})
	t.Logf("%d of %d recorded profiles complete; %d of %d pods ran under them", bpfRuns-len(failed), bpfRuns, ran, bpfRuns)
	deletePods(t, append(replays, pods...)...)
}

// missingOf returns the entries of want ("a|b": any of them) that got lacks.
func missingOf(got []string, want ...string) []string {
	var missing []string
	for _, w := range want {
		if !slices.ContainsFunc(strings.Split(w, "|"), func(s string) bool { return slices.Contains(got, s) }) {
			missing = append(missing, w)
		}
	}
	return missing
}

// eachPod runs fn for every pod at once, as parallel subtests, and waits
// for all; it stops the test if any failed.
func eachPod(t *testing.T, pods []*corev1.Pod, fn func(*testing.T, *corev1.Pod)) {
	t.Helper()
	t.Run("pods", func(t *testing.T) {
		for _, p := range pods {
			t.Run(p.Name, func(t *testing.T) {
				t.Parallel()
				fn(t, p)
			})
		}
	})
	if t.Failed() {
		t.FailNow()
	}
}

// deletePods deletes pods and waits until they are gone: profiles they use
// stay Terminating until then.
func deletePods(t *testing.T, pods ...*corev1.Pod) {
	t.Helper()
	for _, p := range pods {
		if p != nil {
			_ = k8s.Delete(context.Background(), p, client.GracePeriodSeconds(0))
		}
	}
	for _, p := range pods {
		if p != nil {
			waitGone(t, p)
		}
	}
}
