package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/spod"
	"github.com/secprofiles/spo/test/auditd"
	"github.com/secprofiles/spo/test/cluster"
	"github.com/secprofiles/spo/webhooks/recording"
)

// nodeAuditLog is where auditd writes on a node and where the deployed log
// enricher reads (its hostPath volume is the directory).
const nodeAuditLog = "/var/log/audit/audit.log"

// The recorded workloads. The log enricher finds a record's container by
// reading /proc/<pid>/cgroup when the record arrives, a poll interval
// after the syscall: a forked child that lives a few milliseconds is gone
// by then and its records are dropped (README, "Short-lived processes").
// busybox sh forks for every command but the last, so what a profile is
// asserted to hold is made by the shell itself: umask and cd are
// builtins, and the last command runs in the shell's own process (mkdir
// below; sleep in idleScript). `sleep 1` keeps the shell alive long enough
// to be attributed at all.
const (
	recordedScript = "umask 027; cd /tmp; sleep 1; mkdir spo-recorded"
	// idleScript sits idle for longer than the enricher's pid cache
	// keeps a process (2 s) before it exits: its exit_group arrives after
	// the process is reaped. Before the enricher kept attributing such a
	// process, its profile lacked exit_group and it died with SIGSEGV
	// (exit code 139) under it.
	idleScript = "umask 027; sleep 3"
)

// The syscalls each recorded container must have made itself.
var (
	recordedSyscalls = []string{"execve", "umask", "chdir", "clone", "wait4", "mkdir", "exit_group"}
	idleSyscalls     = []string{"execve", "umask", "clock_nanosleep", "exit_group"}
)

// logsRecordingThroughAuditd records a pod's two containers with recorder
// Logs: auditd runs on the node, the SPOD enables the log enricher, the
// recording webhook puts the containers under the log-everything profile,
// and the daemon pod turns what the enricher attributed into one
// SeccompProfile per container. A new pod then runs under those profiles.
func logsRecordingThroughAuditd(t *testing.T) {
	ctx := context.Background()
	logEnricherOnAuditd(t)
	ns := newNamespace(t, map[string]string{v1.LabelEnableRecording: "true"})
	rec := createRecording(t, ns, "logs", v1.RecorderLogs, v1.MergeNone, "recorded")

	pod := toolsPod(ns, "recorded", recordedScript, nil)
	pod.Labels = map[string]string{"app": "recorded"}
	pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{
		Name: "idler", Image: ToolsImage, Command: []string{"sh", "-c", idleScript},
	})
	waitRecordingAdmitted(t, pod)
	if err := k8s.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	for _, c := range pod.Spec.Containers {
		if got := pod.Annotations[recording.PrefixLogs+c.Name]; !strings.HasPrefix(got, rec.Name+"_"+c.Name+"_") {
			t.Fatalf("container %s admitted with annotation %q, want one for recording %s", c.Name, got, rec.Name)
		}
		if got := containerSeccomp(c); got != recording.LogEverythingLocalhostProfile {
			t.Fatalf("container %s admitted with seccomp profile %q, want %q", c.Name, got, recording.LogEverythingLocalhostProfile)
		}
	}
	waitPodDone(t, pod)
	if pod.Status.Phase != corev1.PodSucceeded {
		t.Fatalf("the recorded pod: phase %s, log:\n%s", pod.Status.Phase, podLog(t, pod))
	}

	// A pod without generateName, merge strategy None: <recording>-<container>.
	profiles := map[string]*v1.SeccompProfile{}
	for container, want := range map[string][]string{"tools": recordedSyscalls, "idler": idleSyscalls} {
		p := waitRecordedProfile(t, rec.Name+"-"+container)
		if p.Labels[v1.LabelPartial] != "" || p.Spec.DefaultAction != v1.ActErrno || len(p.Spec.Syscalls) != 1 {
			t.Errorf("profile %s: labels %v, spec %+v, want one allow rule under %s and not partial",
				p.Name, p.Labels, p.Spec, v1.ActErrno)
		}
		assertSyscalls(t, p, want)
		profiles[container] = p
	}

	// Under its own profiles the workload runs to completion; in a
	// namespace that records nothing, so the profiles are what it gets.
	replay := toolsPod(newNamespace(t, nil), "replay", recordedScript, nil)
	replay.Spec.Containers = append(replay.Spec.Containers, corev1.Container{
		Name: "idler", Image: ToolsImage, Command: []string{"sh", "-c", idleScript},
	})
	for i, c := range replay.Spec.Containers {
		replay.Spec.Containers[i].SecurityContext = &corev1.SecurityContext{SeccompProfile: &corev1.SeccompProfile{
			Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To(profiles[c.Name].Status.LocalhostProfile),
		}}
	}
	if err := k8s.Create(ctx, replay); err != nil {
		t.Fatal(err)
	}
	waitPodDone(t, replay)
	if replay.Status.Phase != corev1.PodSucceeded {
		// The profiles, so that a flake says what the replay may have
		// lacked (exit code 139 came from a missing rt_sigreturn before
		// recorded profiles got the runtime base).
		t.Errorf("a pod under the recorded profiles: phase %s, containers %s; tools allows %v; idler allows %v",
			replay.Status.Phase, terminations(replay), allowed(profiles["tools"]), allowed(profiles["idler"]))
	}
	// Pods before profiles: a profile in use stays Terminating.
	for _, p := range []*corev1.Pod{replay, pod} {
		_ = k8s.Delete(ctx, p, client.GracePeriodSeconds(0))
		waitGone(t, p)
	}
	for _, p := range profiles {
		if err := k8s.Delete(ctx, p); err != nil {
			t.Error(err)
		}
		waitGone(t, p)
	}
}

// logEnricherOnAuditd has the SPOD run the log enricher (source auditd,
// the default) and runs auditd on the node's own log until t ends. The
// enricher comes first, as it may on any node: it must wait for auditd's
// log to appear (it crash-looped on the missing file before). At the end
// auditd stops first, and its harness gives the log, its directory and
// the kernel's audit settings back as they were; the enricher, still
// reading the removed file, goes next.
func logEnricherOnAuditd(t *testing.T) {
	t.Helper()
	setLogEnricher(t, true)
	t.Cleanup(func() { setLogEnricher(t, false) })
	auditd.StartLoggingTo(t, nodeAuditLog)
}

// setLogEnricher switches the SPOD's log enricher and waits until the
// daemon pod has (or no longer has) a Ready log-enricher container and spo
// runs again.
func setLogEnricher(t *testing.T, on bool) {
	t.Helper()
	switchContainer(t, spod.ContainerLogEnricher, on, func(s *v1.SPODSpec) { s.Enricher.EnableLogEnricher = on })
}

// switchContainer changes the SPOD with set and waits until the daemon
// pod has a Ready container (on) or none (off), and the SPOD runs again.
func switchContainer(t *testing.T, container string, on bool, set func(*v1.SPODSpec)) {
	t.Helper()
	ctx := context.Background()
	s := &v1.SecurityProfilesOperatorDaemon{}
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: cluster.Namespace, Name: v1.SPODName}, s); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(s.DeepCopy())
	set(&s.Spec)
	if err := k8s.Patch(ctx, s, patch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Minute, fmt.Sprintf("the daemon pod with %s %v", container, on), func() (bool, string) {
		var pods corev1.PodList
		if err := k8s.List(ctx, &pods, client.InNamespace(cluster.Namespace)); err != nil {
			return false, err.Error()
		}
		ready, seen := 0, []string{}
		for _, p := range pods.Items {
			for _, c := range p.Status.ContainerStatuses {
				if c.Name != container {
					continue
				}
				if c.Ready {
					ready++
				}
				seen = append(seen, fmt.Sprintf("%s: ready %v, restarts %d, state %+v, last %+v",
					p.Name, c.Ready, c.RestartCount, c.State, c.LastTerminationState))
			}
		}
		if on {
			return ready > 0, container + " containers: " + strings.Join(seen, "; ")
		}
		return len(seen) == 0, container + " containers left: " + strings.Join(seen, "; ")
	})
	if err := cluster.WaitSPOD(ctx, k8s, 3*time.Minute); err != nil {
		t.Fatal(err)
	}
}

// createRecording creates a seccomp ProfileRecording with recorder Logs
// for the pods labelled app=<app>, deleted after t.
func createRecording(t *testing.T, ns, name string, recorder v1.ProfileRecorder, merge v1.MergeStrategy, app string) *v1.ProfileRecording {
	t.Helper()
	rec := &v1.ProfileRecording{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1.ProfileRecordingSpec{
			Kind: v1.RecordingSeccompProfile, Recorder: recorder, MergeStrategy: merge,
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
		},
	}
	if err := k8s.Create(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), rec) })
	return rec
}

// waitRecordingAdmitted waits until every webhook replica knows the
// recordings of pod's namespace: each replica's cache learns of a new
// ProfileRecording shortly after it is created, and a pod admitted before
// that is not recorded. Admission is asked with server-side dry runs,
// which run the webhooks and store nothing, so no pod runs unrecorded.
// The API server picks a replica per call; enough annotated answers in a
// row make one that still misses the recording unlikely, and the caller
// checks the pods it creates.
func waitRecordingAdmitted(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	const inARow = 10
	ok := 0
	waitFor(t, time.Minute, "the recording webhook to annotate a pod like "+pod.Name+pod.GenerateName, func() (bool, string) {
		probe := pod.DeepCopy()
		if err := k8s.Create(context.Background(), probe, client.DryRunAll); err != nil {
			ok = 0
			return false, err.Error()
		}
		for k := range probe.Annotations {
			if recording.IsAnnotationKey(k) {
				ok++
				return ok >= inARow, ""
			}
		}
		ok = 0
		return false, fmt.Sprintf("admitted with annotations %v", probe.Annotations)
	})
}

// containerSeccomp is the localhostProfile a container's own
// securityContext names.
func containerSeccomp(c corev1.Container) string {
	if c.SecurityContext == nil || c.SecurityContext.SeccompProfile == nil {
		return ""
	}
	return ptr.Deref(c.SecurityContext.SeccompProfile.LocalhostProfile, "")
}

// waitPodDone waits until pod has run to its end.
func waitPodDone(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	waitPhase(t, pod, "to complete", func(p corev1.PodPhase) bool {
		return p == corev1.PodSucceeded || p == corev1.PodFailed
	})
}

// terminations says how each container of pod ended, for failures.
func terminations(pod *corev1.Pod) string {
	var s []string
	for _, c := range pod.Status.ContainerStatuses {
		if term := c.State.Terminated; term != nil {
			s = append(s, fmt.Sprintf("%s: exit code %d (%s)", c.Name, term.ExitCode, term.Reason))
		} else {
			s = append(s, fmt.Sprintf("%s: %+v", c.Name, c.State))
		}
	}
	return strings.Join(s, "; ")
}

// waitRecordedProfile waits until the daemon pod created the recorded
// SeccompProfile name and the node installed it; it is deleted after t.
func waitRecordedProfile(t *testing.T, name string) *v1.SeccompProfile {
	t.Helper()
	p := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: name}}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), p) })
	waitFor(t, 2*time.Minute, "recorded SeccompProfile "+name+" Installed", func() (bool, string) {
		if err := k8s.Get(context.Background(), types.NamespacedName{Name: name}, p); err != nil {
			return false, err.Error()
		}
		return p.Status.Status == v1.ProfileStateInstalled && p.Status.LocalhostProfile != "",
			fmt.Sprintf("status %q, conditions %+v", p.Status.Status, p.Status.Conditions)
	})
	return p
}

// allowed is the set of syscalls p allows.
func allowed(p *v1.SeccompProfile) []string {
	var names []string
	for _, r := range p.Spec.Syscalls {
		if r.Action == v1.ActAllow {
			names = append(names, r.Names...)
		}
	}
	return names
}

func assertSyscalls(t *testing.T, p *v1.SeccompProfile, want []string) {
	t.Helper()
	got := allowed(p)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("profile %s lacks %s; it allows %v", p.Name, w, got)
		}
	}
}
