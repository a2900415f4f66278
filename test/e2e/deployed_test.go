package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/spod"
	"github.com/secprofiles/spo/test/cluster"
	"github.com/secprofiles/spo/webhooks"
)

// TestDeployedOnARealNode walks through spo as a user meets it, in order:
// later steps use what earlier ones set up, and the last removes spo.
func TestDeployedOnARealNode(t *testing.T) {
	steps := []struct {
		name string
		run  func(*testing.T)
	}{
		{"make cluster a second time keeps what runs", clusterTwiceIsSafe},
		{"the SPOD runs and the daemon's metrics need a spo-metrics-client token", spodRunsWithAuthenticatedMetrics},
		{"the runtime enforces a profile the daemon pod installed", runtimeEnforcesInstalledProfile},
		{"a binding puts pods of its image under the profile", bindingAppliesProfile},
		{"the SPOD enables the eBPF recorder and the daemon pod runs it", bpfRecorderRunsInTheDaemonPod},
		{"eBPF recording with no hold: 20 pods' profiles hold their first execve and sub-millisecond children, and 20 pods run under them", bpfRecordingHasNoStartupRace},
		{"eBPF recording across a SIGKILLed daemon, a crashing container and a deleted pod: each profile once, complete", bpfRecordingSurvivesDaemonKill},
		{"eBPF recording across a SIGKILLed bpf-recorder: the profile holds what came after and says it has a gap", bpfRecordingSurvivesRecorderKill},
		{"eBPF AppArmor recording: the profile holds the pod's files, socket and capability, not the runtime's, and compiles", bpfAppArmorRecording},
		{"a Logs recording through the node's auditd makes each container's profile, and a pod runs under them", logsRecordingThroughAuditd},
		{"the JSON enricher writes a line for a kubectl exec, with the exec request's UID", jsonEnricherNamesKubectlExec},
		{"mergeStrategy Containers merges a Deployment's 3 replicas into one profile per container", mergeStrategyContainersMergesReplicas},
		{"with the webhook scaled to 0 pod creation follows failurePolicy Fail", webhookDownFollowsFailurePolicy},
		{"a profile in use stays Terminating, its file on the node, until its pod is gone", profileInUseStays},
		{"make undeploy removes spo's objects and pods", undeployRemovesEverything},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			// Later steps build on this one.
			t.FailNow()
		}
	}
}

func clusterTwiceIsSafe(t *testing.T) {
	before := cluster.Processes()
	if len(before) != 7 {
		t.Fatalf("cluster components running: %v", before)
	}
	var pods corev1.PodList
	if err := k8s.List(context.Background(), &pods, client.InNamespace(cluster.Namespace)); err != nil {
		t.Fatal(err)
	}
	out, err := makeOutput("cluster")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "export KUBECONFIG="+cluster.AdminKubeconfig+"\n") {
		t.Errorf("make cluster printed:\n%s", out)
	}
	if after := cluster.Processes(); !maps.Equal(before, after) {
		t.Errorf("components restarted: before %v, after %v", before, after)
	}
	// The same image: spo's pods are left alone.
	for _, p := range pods.Items {
		var now corev1.Pod
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(&p), &now); err != nil || now.UID != p.UID {
			t.Errorf("pod %s replaced or gone: %v", p.Name, err)
		}
	}
}

func spodRunsWithAuthenticatedMetrics(t *testing.T) {
	ctx := context.Background()
	if err := cluster.WaitSPOD(ctx, k8s, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	// The shipped ClusterRoleBinding spo-metrics-client names the
	// ServiceAccount prometheus in monitoring, as an example scraper.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "monitoring"}}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "monitoring", Name: "prometheus"}}
	for _, o := range []client.Object{ns, sa} {
		if err := k8s.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), ns) })
	tr, err := cs.CoreV1().ServiceAccounts("monitoring").CreateToken(ctx, "prometheus",
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}},
		metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var svc corev1.Service
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: cluster.Namespace, Name: spod.MetricsServiceName}, &svc); err != nil {
		t.Fatal(err)
	}
	// SPO's Service (metrics, port 443) and paths: the spo families at
	// /metrics-spod, controller-runtime's at /metrics, each once.
	base := fmt.Sprintf("https://%s:%d", svc.Spec.ClusterIP, spod.MetricsServicePort)
	waitFor(t, time.Minute, "the daemon's spo families through the Service", func() (bool, string) {
		code, body := scrape(base+"/metrics-spod", tr.Status.Token)
		return code == http.StatusOK && strings.Contains(body, "security_profiles_operator_"), fmt.Sprintf("%d: %.300s", code, body)
	})
	code, body := scrape(base+"/metrics", tr.Status.Token)
	if code != http.StatusOK || !strings.Contains(body, "controller_runtime_") || strings.Contains(body, "security_profiles_operator_") {
		t.Errorf("/metrics: got %d, want 200 with controller-runtime's families and no spo family: %.300s", code, body)
	}
	for _, path := range []string{"/metrics", "/metrics-spod"} {
		if code, body := scrape(base+path, ""); code != http.StatusUnauthorized {
			t.Errorf("%s without a token: got %d, want 401: %.300s", path, code, body)
		}
		if code, _ := scrape(base+path, "not-a-token"); code != http.StatusUnauthorized {
			t.Errorf("%s with a bad token: got %d, want 401", path, code)
		}
	}
}

// scrape GETs url with a bearer token (none if empty). The daemon's
// serving certificate is its own; what is tested is who may read.
func scrape(url, token string) (int, string) {
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // see above
	}}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func runtimeEnforcesInstalledProfile(t *testing.T) {
	p := createInstalled(t, denyMkdir("e2e-deny-mkdir"))
	path := filepath.Join(cluster.KubeletDir, "seccomp", p.Status.LocalhostProfile)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the daemon pod reports Installed, but on the node: %v", err)
	}
	ns := newNamespace(t, nil)
	sc := &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To(p.Status.LocalhostProfile)}
	assertContains(t, "under the profile", runToCompletion(t, toolsPod(ns, "confined", probeScript, sc)), confined)
	assertContains(t, "without it", runToCompletion(t, toolsPod(ns, "unconfined", probeScript, nil)), unconfined)
}

func bindingAppliesProfile(t *testing.T) {
	ctx := context.Background()
	p := createInstalled(t, denyMkdir("e2e-bound"))
	ns := newNamespace(t, map[string]string{v1.LabelEnableBinding: "true"})
	b := &v1.ProfileBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tools"},
		Spec:       v1.ProfileBindingSpec{ProfileRef: v1.ProfileRef{Kind: "SeccompProfile", Name: p.Name}, Image: ToolsImage},
	}
	if err := k8s.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	// The webhook's cache learns of the binding shortly after it is
	// created; until then a pod is admitted unbound, so try again.
	var pod *corev1.Pod
	waitFor(t, time.Minute, "the webhook to bind a new pod", func() (bool, string) {
		pod = toolsPod(ns, "bound", probeScript, nil)
		if err := k8s.Create(ctx, pod); err != nil {
			return false, err.Error()
		}
		if localhostProfile(pod) == p.Status.LocalhostProfile {
			return true, ""
		}
		_ = k8s.Delete(ctx, pod, client.GracePeriodSeconds(0))
		waitGone(t, pod)
		return false, fmt.Sprintf("pod admitted with securityContext %+v", pod.Spec.SecurityContext)
	})
	_ = k8s.Delete(ctx, pod)
	waitGone(t, pod)
	assertContains(t, "a bound pod", runToCompletion(t, toolsPod(ns, "bound", probeScript, nil)), confined)
}

// localhostProfile is the seccomp profile a pod's securityContext names,
// at pod or container level.
func localhostProfile(p *corev1.Pod) string {
	if sc := p.Spec.Containers[0].SecurityContext; sc != nil && sc.SeccompProfile != nil && sc.SeccompProfile.LocalhostProfile != nil {
		return *sc.SeccompProfile.LocalhostProfile
	}
	if sc := p.Spec.SecurityContext; sc != nil && sc.SeccompProfile != nil && sc.SeccompProfile.LocalhostProfile != nil {
		return *sc.SeccompProfile.LocalhostProfile
	}
	return ""
}

func waitGone(t testing.TB, obj client.Object) {
	t.Helper()
	key := client.ObjectKeyFromObject(obj)
	waitFor(t, 2*time.Minute, fmt.Sprintf("%T %s to be gone", obj, key), func() (bool, string) {
		err := k8s.Get(context.Background(), key, obj)
		return apierrors.IsNotFound(err), fmt.Sprintf("get: %v", err)
	})
}

// webhookDownFollowsFailurePolicy stops the webhook the way an admin
// would (the manager first, or it scales the webhook back up) and
// creates a pod in an opted-in namespace: the binding webhook's default
// failurePolicy, Ignore, admits it unbound.
func webhookDownFollowsFailurePolicy(t *testing.T) {
	ctx := context.Background()
	p := createInstalled(t, denyMkdir("e2e-webhook-down"))
	ns := newNamespace(t, map[string]string{v1.LabelEnableBinding: "true"})
	b := &v1.ProfileBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tools"},
		Spec:       v1.ProfileBindingSpec{ProfileRef: v1.ProfileRef{Kind: "SeccompProfile", Name: p.Name}, Image: ToolsImage},
	}
	if err := k8s.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	scale(t, "spo-manager", 0)
	scale(t, spod.WebhookName, 0)
	t.Cleanup(func() {
		scale(t, "spo-manager", 1)
		if err := cluster.WaitSPOD(context.Background(), k8s, 3*time.Minute); err != nil {
			t.Error("after scaling the manager back up:", err)
		}
	})
	var mwc = struct{ policy string }{}
	cfg, err := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, webhooks.MutatingConfigName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range cfg.Webhooks {
		if w.Name == webhooks.BindingWebhookName && w.FailurePolicy != nil {
			mwc.policy = string(*w.FailurePolicy)
		}
	}
	if mwc.policy != "Fail" {
		t.Fatalf("binding webhook failurePolicy %q, the documented default is Fail", mwc.policy)
	}
	// Fail: in an opted-in namespace no pod escapes its binding while
	// the webhook is down.
	err = k8s.Create(ctx, toolsPod(ns, "unbound", probeScript, nil))
	if err == nil || !strings.Contains(err.Error(), `failed calling webhook "`+webhooks.BindingWebhookName+`"`) {
		t.Fatalf("a pod in a labelled namespace while the binding webhook is down: %v, want refused by the webhook call", err)
	}
	// Namespaces that did not opt in never wait for spo.
	log := runToCompletion(t, toolsPod(newNamespace(t, nil), "elsewhere", probeScript, nil))
	assertContains(t, "a pod of a namespace without the label, admitted while the webhook is down", log, unconfined)
}

// scale sets a Deployment of spo's to n replicas and waits until its pods
// are as many.
func scale(t *testing.T, name string, n int32) {
	t.Helper()
	ctx := context.Background()
	var d appsv1.Deployment
	key := types.NamespacedName{Namespace: cluster.Namespace, Name: name}
	if err := k8s.Get(ctx, key, &d); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(d.DeepCopy())
	d.Spec.Replicas = ptr.To(n)
	if err := k8s.Patch(ctx, &d, patch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Minute, fmt.Sprintf("%s at %d replicas", name, n), func() (bool, string) {
		var pods corev1.PodList
		if err := k8s.List(ctx, &pods, client.InNamespace(cluster.Namespace), client.MatchingLabels(d.Spec.Selector.MatchLabels)); err != nil {
			return false, err.Error()
		}
		ready := 0
		for _, p := range pods.Items {
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		return len(pods.Items) == int(n) && ready == int(n), fmt.Sprintf("%d pods, %d ready", len(pods.Items), ready)
	})
}

func profileInUseStays(t *testing.T) {
	ctx := context.Background()
	p := createInstalled(t, denyMkdir("e2e-in-use"))
	path := filepath.Join(cluster.KubeletDir, "seccomp", p.Status.LocalhostProfile)
	ns := newNamespace(t, nil)
	sc := &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To(p.Status.LocalhostProfile)}
	pod := toolsPod(ns, "user", "sleep 3600", sc)
	if err := k8s.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Minute, "the pod to run", func() (bool, string) {
		_ = k8s.Get(ctx, client.ObjectKeyFromObject(pod), pod)
		return pod.Status.Phase == corev1.PodRunning, string(pod.Status.Phase)
	})
	if err := k8s.Delete(ctx, p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "the profile to be Terminating", func() (bool, string) {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return false, err.Error()
		}
		return p.DeletionTimestamp != nil && p.Status.Status == v1.ProfileStateTerminating,
			fmt.Sprintf("status %q, finalizers %v", p.Status.Status, p.Finalizers)
	})
	// The daemon has seen the deletion (it reported Terminating) and
	// keeps the file for the running pod.
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("profile in use, but its file: %v", err)
	}
	if err := k8s.Delete(ctx, pod, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	waitGone(t, p)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("profile gone, but its file %s: %v", path, err)
	}
}

func undeployRemovesEverything(t *testing.T) {
	ctx := context.Background()
	// A profile left in place: undeploy has the daemon remove its file
	// and release its finalizer before the daemon itself goes.
	left := createInstalled(t, denyMkdir("e2e-left-at-undeploy"))
	path := filepath.Join(cluster.KubeletDir, "seccomp", left.Status.LocalhostProfile)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("installed profile's file: %v", err)
	}
	if _, err := makeOutput("undeploy"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("after make undeploy the profile's file %s: %v", path, err)
	}
	waitFor(t, 3*time.Minute, "spo's namespace and pods to be gone", func() (bool, string) {
		var pods corev1.PodList
		if err := k8s.List(ctx, &pods, client.MatchingLabels{"app.kubernetes.io/name": "spo"}); err != nil {
			return false, err.Error()
		}
		_, err := cs.CoreV1().Namespaces().Get(ctx, cluster.Namespace, metav1.GetOptions{})
		return len(pods.Items) == 0 && apierrors.IsNotFound(err), fmt.Sprintf("%d pods; namespace: %v", len(pods.Items), err)
	})
	crds, err := cs.Discovery().ServerResourcesForGroupVersion(v1.GroupVersion.String())
	if err == nil {
		t.Errorf("spo's API is still served: %d resources", len(crds.APIResources))
	}
	if _, err := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, webhooks.MutatingConfigName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("MutatingWebhookConfiguration %s after undeploy: %v", webhooks.MutatingConfigName, err)
	}
}
