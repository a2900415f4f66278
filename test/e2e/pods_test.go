package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
)

// ToolsImage is busybox; make cluster imports it.
const ToolsImage = "spo.local/tools:dev"

// probeScript reports the seccomp mode the kernel applies to the
// container and whether mkdir(2) is allowed.
const probeScript = `grep '^Seccomp:' /proc/self/status; if mkdir /spo-e2e; then echo mkdir=ok; else echo mkdir=denied; fi`

// The probe's output under a profile that denies mkdir, and without one.
var (
	confined   = []string{"Seccomp:\t2", "Operation not permitted", "mkdir=denied"}
	unconfined = []string{"Seccomp:\t0", "mkdir=ok"}
)

// newNamespace creates a namespace for one test, removed after it.
func newNamespace(t *testing.T, labels map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "spo-e2e-" + rand.String(5), Labels: labels}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), ns) })
	return ns.Name
}

// toolsPod is a pod of ToolsImage running script once.
func toolsPod(ns, name, script string, sc *corev1.SeccompProfile) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.PodSpec{
			RestartPolicy:                 corev1.RestartPolicyNever,
			TerminationGracePeriodSeconds: ptr.To[int64](1),
			Containers: []corev1.Container{{
				Name: "tools", Image: ToolsImage, Command: []string{"sh", "-c", script},
			}},
		},
	}
	if sc != nil {
		p.Spec.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: sc}
	}
	return p
}

// runToCompletion creates pod, waits until it has run and returns its log.
func runToCompletion(t *testing.T, pod *corev1.Pod) string {
	t.Helper()
	ctx := context.Background()
	if err := k8s.Create(ctx, pod); err != nil {
		t.Fatalf("creating pod %s: %v", pod.Name, err)
	}
	waitFor(t, 2*time.Minute, "pod "+pod.Name+" to complete", func() (bool, string) {
		if err := k8s.Get(ctx, types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name}, pod); err != nil {
			return false, err.Error()
		}
		done := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
		return done, fmt.Sprintf("phase %s, %s", pod.Status.Phase, podEvents(ctx, pod))
	})
	return podLog(t, pod)
}

func podLog(t *testing.T, pod *corev1.Pod) string {
	t.Helper()
	b, err := cs.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{}).Do(context.Background()).Raw()
	if err != nil {
		t.Fatalf("log of %s: %v", pod.Name, err)
	}
	return string(b)
}

// podEvents are the pod's events, for failure messages.
func podEvents(ctx context.Context, pod *corev1.Pod) string {
	evs, err := cs.CoreV1().Events(pod.Namespace).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + pod.Name})
	if err != nil {
		return err.Error()
	}
	var s []string
	for _, e := range evs.Items {
		s = append(s, e.Reason+": "+e.Message)
	}
	return "events: " + strings.Join(s, "; ")
}

func assertContains(t *testing.T, what, got string, want []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: want %q in:\n%s", what, w, got)
		}
	}
}

// waitFor polls cond every 100 ms (benchmarks time with it) until it holds; it fails the test
// with cond's last explanation after timeout.
// waitPhase waits until pod's phase is one done accepts; what names the
// wait.
func waitPhase(t *testing.T, pod *corev1.Pod, what string, done func(corev1.PodPhase) bool) {
	t.Helper()
	ctx := context.Background()
	waitFor(t, 2*time.Minute, "pod "+pod.Name+" "+what, func() (bool, string) {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(pod), pod); err != nil {
			return false, err.Error()
		}
		return done(pod.Status.Phase), fmt.Sprintf("phase %s, %s", pod.Status.Phase, podEvents(ctx, pod))
	})
}

func waitFor(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %s", what, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// denyMkdir is a profile that allows everything but mkdir and mkdirat,
// which fail with EPERM.
func denyMkdir(name string) *v1.SeccompProfile {
	return &v1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1.SeccompProfileSpec{
			DefaultAction: "SCMP_ACT_ALLOW",
			Syscalls: []v1.SeccompSyscall{{
				Names: []string{"mkdir", "mkdirat"}, Action: "SCMP_ACT_ERRNO", ErrnoRet: ptr.To[uint](1),
			}},
		},
	}
}

// createInstalled creates profile and waits until every node installed
// it.
func createInstalled(t *testing.T, p *v1.SeccompProfile) *v1.SeccompProfile {
	t.Helper()
	ctx := context.Background()
	if err := k8s.Create(ctx, p); err != nil {
		t.Fatalf("creating SeccompProfile %s: %v", p.Name, err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), p) })
	waitFor(t, 2*time.Minute, "SeccompProfile "+p.Name+" Installed", func() (bool, string) {
		if err := k8s.Get(ctx, types.NamespacedName{Name: p.Name}, p); err != nil {
			return false, err.Error()
		}
		return p.Status.Status == v1.ProfileStateInstalled && p.Status.LocalhostProfile != "",
			fmt.Sprintf("status %q, conditions %+v", p.Status.Status, p.Status.Conditions)
	})
	return p
}
