package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/enricher/jsonenricher"
	"github.com/secprofiles/spo/reconcilers/spod"
	"github.com/secprofiles/spo/test/auditd"
	"github.com/secprofiles/spo/test/cluster"
)

// uuid is the shape of an admission request's UID.
var uuid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// jsonEnricherNamesKubectlExec runs `kubectl exec` (the API server's
// pods/exec, through the kubelet and runc) into a pod whose profile logs
// execve: the exec-metadata webhook puts the request's UID into the
// command's environment, and the json-enricher container writes one JSON
// line for the exec naming the pod and that UID.
func jsonEnricherNamesKubectlExec(t *testing.T) {
	setJSONEnricher(t, true)
	t.Cleanup(func() { setJSONEnricher(t, false) })
	auditd.StartLoggingTo(t, nodeAuditLog)
	p := createInstalled(t, &v1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e-log-exec"},
		Spec: v1.SeccompProfileSpec{DefaultAction: "SCMP_ACT_ALLOW",
			Syscalls: []v1.SeccompSyscall{{Names: []string{"execve", "execveat"}, Action: "SCMP_ACT_LOG"}}},
	})
	ns := newNamespace(t, nil)
	pod := toolsPod(ns, "exec-target", "sleep 300", &corev1.SeccompProfile{
		Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To(p.Status.LocalhostProfile)})
	if err := k8s.Create(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, pod)
	// A command that outlives the audit log's latency is read from /proc
	// when its record arrives: its line has the request's UID for sure.
	if out := kubectlExec(t, pod, "sh", "-c", "exec sleep 1"); out != "" {
		t.Fatalf("kubectl exec printed %q", out)
	}
	sleep := waitExecLine(t, pod, func(l jsonenricher.Line) bool { return l.CmdLine == "sleep 1" })
	if !uuid.MatchString(sleep.RequestUID) {
		t.Errorf("requestUID %q is not the exec request's UID", sleep.RequestUID)
	}

	// A bare cat has exited long before auditd's record of it reaches
	// the enricher (auditd's flush, the 200 ms poll): its line comes from
	// the kernel's exec events, each read as its exec happened. The
	// webhook made it `env SPO_EXEC_REQUEST_UID=… cat /etc/hostname`, two
	// execs; a process read late shows the later one, so either line
	// names the command, and one that exited while it was read has its
	// container but may lack its command line.
	out := kubectlExec(t, pod, "cat", "/etc/hostname")
	if strings.TrimSpace(out) != pod.Name {
		t.Fatalf("kubectl exec printed %q, want the pod's hostname %q", out, pod.Name)
	}
	cat := waitExecLine(t, pod, func(l jsonenricher.Line) bool {
		return l.CmdLine == "" || l.CmdLine == "cat /etc/hostname" || strings.HasSuffix(l.CmdLine, " cat /etc/hostname")
	})
	if cat.CmdLine != "" && !uuid.MatchString(cat.RequestUID) {
		t.Errorf("requestUID %q is not the exec request's UID", cat.RequestUID)
	}
}

// waitExecLine waits for a json-enricher line of pod's container that
// match accepts.
func waitExecLine(t *testing.T, pod *corev1.Pod, match func(jsonenricher.Line) bool) jsonenricher.Line {
	t.Helper()
	var found jsonenricher.Line
	waitFor(t, time.Minute, "a json-enricher line for the exec", func() (bool, string) {
		lines := jsonLines(t)
		for _, l := range lines {
			if l.Pod == pod.Name && l.Namespace == pod.Namespace && match(l) {
				found = l
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d lines, none for the exec: %+v", len(lines), lines)
	})
	t.Logf("json-enricher line: %+v", found)
	if found.Container != "tools" || found.ContainerID == "" || found.Syscall != "execve" {
		t.Errorf("line names container %q (%q), syscall %q; want tools, execve", found.Container, found.ContainerID, found.Syscall)
	}
	return found
}

// kubectlExec runs argv in pod's container as kubectl exec does and
// returns its stdout.
func kubectlExec(t *testing.T, pod *corev1.Pod, argv ...string) string {
	t.Helper()
	cfg, err := cluster.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	req := cs.CoreV1().RESTClient().Post().Namespace(pod.Namespace).Resource("pods").Name(pod.Name).
		SubResource("exec").VersionedParams(&corev1.PodExecOptions{
		Container: pod.Spec.Containers[0].Name, Command: argv, Stdout: true, Stderr: true,
	}, scheme.ParameterCodec)
	exec, err := remotecommand.NewSPDYExecutor(cfg, "POST", req.URL())
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := exec.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr}); err != nil {
		t.Fatalf("exec %v in %s: %v; stderr %q", argv, pod.Name, err, stderr.String())
	}
	return stdout.String()
}

// jsonLines are the JSON lines the json-enricher containers wrote.
func jsonLines(t *testing.T) []jsonenricher.Line {
	t.Helper()
	var pods corev1.PodList
	if err := k8s.List(context.Background(), &pods, client.InNamespace(cluster.Namespace)); err != nil {
		t.Fatal(err)
	}
	var out []jsonenricher.Line
	for _, p := range pods.Items {
		if containerStatus(p, spod.ContainerJSONEnricher) == nil {
			continue
		}
		raw, err := cs.CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Container: spod.ContainerJSONEnricher}).
			Do(context.Background()).Raw()
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var l jsonenricher.Line
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Node != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

func waitRunning(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	waitPhase(t, pod, "Running", func(p corev1.PodPhase) bool { return p == corev1.PodRunning })
}

// setJSONEnricher switches the SPOD's JSON enricher and waits until the
// daemon pod has (or no longer has) a Ready json-enricher container.
func setJSONEnricher(t *testing.T, on bool) {
	t.Helper()
	switchContainer(t, spod.ContainerJSONEnricher, on, func(s *v1.SPODSpec) { s.Enricher.EnableJsonEnricher = on })
}
