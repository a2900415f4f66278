package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/recordingmerger"
	"github.com/secprofiles/spo/webhooks/recording"
)

// replicaScript runs in every replica of the merged Deployment. Each
// replica claims a role by creating a directory on a host directory all
// three mount (mkdir is atomic): the first makes times(2) (the shell's
// times builtin), the second dup2(2) (a redirection the shell keeps,
// `exec 3<&0`), the third neither; none of them is made by a container's
// start or by the other builtins. Only the shell makes the marker
// syscalls, never the forked mkdir, so what a replica's profile holds is
// decided by its role. The replicas then sleep until scaled down.
const replicaScript = `umask 027; cd /tmp
if mkdir /claims/times; then times; elif mkdir /claims/dup; then exec 3<&0; fi
sleep 3600`

// mergeStrategyContainersMergesReplicas records a Deployment of three
// replicas with mergeStrategy Containers: the daemon pod records one
// partial profile per replica (never installed), and deleting the
// recording has the manager merge them into one profile for the
// container, holding what any replica did, and remove the partials.
func mergeStrategyContainersMergesReplicas(t *testing.T) {
	ctx := context.Background()
	logEnricherOnAuditd(t)
	ns := newNamespace(t, map[string]string{v1.LabelEnableRecording: "true"})
	rec := createRecording(t, ns, "merged", v1.RecorderLogs, v1.MergeContainers, "replica")
	claims := t.TempDir()

	d := replicaDeployment(ns, claims)
	waitRecordingAdmitted(t, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "probe-", Labels: d.Spec.Template.Labels},
		Spec:       d.Spec.Template.Spec,
	})
	if err := k8s.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), d) })

	// The partial profile each replica is recorded into:
	// <recording>-<container>-<the part of the pod name generateName made>.
	partials := map[string]string{} // profile → pod
	waitFor(t, 2*time.Minute, "3 recorded replicas running, each with its role", func() (bool, string) {
		var pods corev1.PodList
		if err := k8s.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels(d.Spec.Template.Labels)); err != nil {
			return false, err.Error()
		}
		clear(partials)
		running := 0
		for _, p := range pods.Items {
			if !strings.HasPrefix(p.Annotations[recording.PrefixLogs+"tools"], rec.Name+"_tools_") {
				t.Fatalf("replica %s admitted without the recording annotation: %v", p.Name, p.Annotations)
			}
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
			partials[rec.Name+"-tools-"+strings.TrimPrefix(p.Name, p.GenerateName)] = p.Name
		}
		taken := roles(claims)
		return len(pods.Items) == 3 && running == 3 && len(taken) == 2,
			fmt.Sprintf("%d pods, %d running, roles taken %v", len(pods.Items), running, taken)
	})

	// Scaling down ends the replicas; each is recorded into its partial.
	scaleDeployment(t, d, 0)
	byMarker := map[string][]string{}
	for name, pod := range partials {
		p := waitPartial(t, name)
		if p.Labels[v1.LabelPartial] != "true" || p.Status.Status != v1.ProfileStatePartial {
			t.Errorf("profile %s of replica %s: labels %v, status %q; want partial and not installed",
				name, pod, p.Labels, p.Status.Status)
		}
		assertSyscalls(t, p, []string{"execve", "umask", "chdir"})
		for _, marker := range []string{"times", "dup2"} {
			if slices.Contains(allowed(p), marker) {
				byMarker[marker] = append(byMarker[marker], name)
			}
		}
	}
	if len(byMarker["times"]) != 1 || len(byMarker["dup2"]) != 1 || byMarker["times"][0] == byMarker["dup2"][0] {
		t.Fatalf("replicas that made times and dup2: %v; want one distinct replica each", byMarker)
	}
	if err := k8s.Delete(ctx, d); err != nil {
		t.Fatal(err)
	}

	// Deleting the recording merges: one profile for the container, not
	// one per replica, with the union; the partials are gone.
	if err := k8s.Delete(ctx, rec); err != nil {
		t.Fatal(err)
	}
	waitGone(t, rec)
	merged := waitRecordedProfile(t, rec.Name+"-tools")
	if merged.Labels[v1.LabelPartial] != "" {
		t.Errorf("merged profile labels %v: still partial", merged.Labels)
	}
	assertSyscalls(t, merged, []string{"execve", "umask", "chdir", "times", "dup2"})
	var left v1.SeccompProfileList
	if err := k8s.List(ctx, &left, client.MatchingLabels{
		recordingmerger.LabelRecording: rec.Name, recordingmerger.LabelRecordingNamespace: ns,
	}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range left.Items {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{merged.Name}) {
		t.Errorf("profiles of the recording after the merge: %v, want only %s", names, merged.Name)
	}
	// The coverage annotation names the partials merged: the three
	// replicas', no more.
	coverage := map[string]float64{}
	if err := json.Unmarshal([]byte(merged.Annotations[recordingmerger.AnnotationCoverage]), &coverage); err != nil {
		t.Fatalf("coverage annotation: %v", err)
	}
	if got, want := slices.Sorted(maps.Keys(coverage)), slices.Sorted(maps.Keys(partials)); !slices.Equal(got, want) {
		t.Errorf("merged from %v, want the replicas' partials %v", got, want)
	}
}

// replicaDeployment is the Deployment of three recorded replicas running
// replicaScript, with claims (a host directory) mounted at /claims.
func replicaDeployment(ns, claims string) *appsv1.Deployment {
	labels := map[string]string{"app": "replica"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "replica"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					// sh is PID 1 and ignores SIGTERM: killed after 1 s.
					TerminationGracePeriodSeconds: ptr.To[int64](1),
					Containers: []corev1.Container{{
						Name: "tools", Image: ToolsImage, Command: []string{"sh", "-c", replicaScript},
						VolumeMounts: []corev1.VolumeMount{{Name: "claims", MountPath: "/claims"}},
					}},
					Volumes: []corev1.Volume{{Name: "claims", VolumeSource: corev1.VolumeSource{
						HostPath: &corev1.HostPathVolumeSource{Path: claims, Type: ptr.To(corev1.HostPathDirectory)},
					}}},
				},
			},
		},
	}
}

// roles lists the roles replicas took.
func roles(claims string) []string {
	entries, _ := os.ReadDir(claims)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// scaleDeployment sets d's replicas and waits until its pods are gone or
// as many.
func scaleDeployment(t *testing.T, d *appsv1.Deployment, n int32) {
	t.Helper()
	ctx := context.Background()
	patch := client.MergeFrom(d.DeepCopy())
	d.Spec.Replicas = ptr.To(n)
	if err := k8s.Patch(ctx, d, patch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Minute, fmt.Sprintf("%s at %d pods", d.Name, n), func() (bool, string) {
		var pods corev1.PodList
		if err := k8s.List(ctx, &pods, client.InNamespace(d.Namespace), client.MatchingLabels(d.Spec.Template.Labels)); err != nil {
			return false, err.Error()
		}
		return len(pods.Items) == int(n), fmt.Sprintf("%d pods", len(pods.Items))
	})
}

// waitPartial waits until the daemon pod created the partial profile name
// (deleted after t, should the merge not have removed it).
func waitPartial(t *testing.T, name string) *v1.SeccompProfile {
	t.Helper()
	p := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: name}}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), p) })
	waitFor(t, 2*time.Minute, "partial SeccompProfile "+name, func() (bool, string) {
		if err := k8s.Get(context.Background(), types.NamespacedName{Name: name}, p); err != nil {
			return false, err.Error()
		}
		return p.Status.Status != "", "no status yet"
	})
	return p
}
