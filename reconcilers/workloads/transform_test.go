package workloads_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/secprofiles/spo/reconcilers/workloads"
)

// fullPod has every field TransformPod decides about set to a non-zero value.
func fullPod() *corev1.Pod {
	deleted := metav1.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web-1", Namespace: "shop", UID: "u-1", ResourceVersion: "42",
			DeletionTimestamp: &deleted,
			Labels:            map[string]string{"app": "web"},
			Annotations: map[string]string{
				"note":                                 "big",
				"io.containers.trace-bpf/app":          "rec_app_abcde_1700000000",
				"io.containers.trace-logs/app":         "logs_app_abcde_1700000000",
				"io.containers.trace-avcs/app":         "avcs_app_abcde_1700000000",
				"io.containers.trace-bpf-apparmor/app": "aa_app_abcde_1700000000",
			},
			Finalizers:      []string{"example.com/keep"},
			OwnerReferences: []metav1.OwnerReference{{Name: "web", Kind: "ReplicaSet"}},
			ManagedFields:   []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
		},
		Spec: corev1.PodSpec{
			NodeName:        "node-a",
			SecurityContext: &corev1.PodSecurityContext{SeccompProfile: localhost("operator/web.json")},
			Volumes:         []corev1.Volume{{Name: "data"}},
			InitContainers:  []corev1.Container{container("init", localhost("operator/setup.json"))},
			Containers: []corev1.Container{{
				Name: "app", Image: "registry.example/app", Command: []string{"/app"},
				Env:             []corev1.EnvVar{{Name: "SECRET", Value: "x"}},
				SecurityContext: withProfile(localhost("operator/app.json")),
				Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse("1"),
				}},
			}},
			EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
				Name: "debug", Image: "busybox", Command: []string{"sh"},
				SecurityContext: withProfile(localhost("operator/debug.json")),
			}}},
		},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			PodIP:      "10.0.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady}},
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: "app", ImageID: "sha256:abc", RestartCount: 3,
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: 1, Reason: "Error", Message: "a long termination message",
				}},
			}},
			InitContainerStatuses:      []corev1.ContainerStatus{{Name: "init", State: terminated()}},
			EphemeralContainerStatuses: []corev1.ContainerStatus{{Name: "debug", State: running()}},
		},
	}
}

func TestTransformPod(t *testing.T) {
	tests := map[string]struct {
		field func(*corev1.Pod) any
		kept  bool
	}{
		"keeps the name":                         {func(p *corev1.Pod) any { return p.Name }, true},
		"keeps the namespace":                    {func(p *corev1.Pod) any { return p.Namespace }, true},
		"keeps the uid":                          {func(p *corev1.Pod) any { return p.UID }, true},
		"keeps the resourceVersion":              {func(p *corev1.Pod) any { return p.ResourceVersion }, true},
		"keeps the deletionTimestamp":            {func(p *corev1.Pod) any { return p.DeletionTimestamp }, true},
		"keeps the labels":                       {func(p *corev1.Pod) any { return p.Labels }, true},
		"keeps the pod security context":         {func(p *corev1.Pod) any { return p.Spec.SecurityContext }, true},
		"keeps container names":                  {func(p *corev1.Pod) any { return p.Spec.Containers[0].Name }, true},
		"keeps container images":                 {func(p *corev1.Pod) any { return p.Spec.Containers[0].Image }, true},
		"keeps container security contexts":      {func(p *corev1.Pod) any { return p.Spec.Containers[0].SecurityContext }, true},
		"keeps init container security contexts": {func(p *corev1.Pod) any { return p.Spec.InitContainers[0].SecurityContext }, true},
		"keeps ephemeral container images": {
			func(p *corev1.Pod) any { return p.Spec.EphemeralContainers[0].Image }, true,
		},
		"keeps ephemeral container security contexts": {
			func(p *corev1.Pod) any { return p.Spec.EphemeralContainers[0].SecurityContext }, true,
		},
		"keeps the phase":                  {func(p *corev1.Pod) any { return p.Status.Phase }, true},
		"keeps container status names":     {func(p *corev1.Pod) any { return p.Status.ContainerStatuses[0].Name }, true},
		"keeps the exit code":              {func(p *corev1.Pod) any { return p.Status.ContainerStatuses[0].State.Terminated.ExitCode }, true},
		"keeps init container states":      {func(p *corev1.Pod) any { return p.Status.InitContainerStatuses[0].State }, true},
		"keeps ephemeral container states": {func(p *corev1.Pod) any { return p.Status.EphemeralContainerStatuses[0].State }, true},
		"drops other annotations":          {func(p *corev1.Pod) any { return p.Annotations["note"] }, false},
		"keeps bpf recording annotations":  {func(p *corev1.Pod) any { return p.Annotations["io.containers.trace-bpf/app"] }, true},
		"keeps logs recording annotations": {func(p *corev1.Pod) any { return p.Annotations["io.containers.trace-logs/app"] }, true},
		"keeps avcs recording annotations": {func(p *corev1.Pod) any { return p.Annotations["io.containers.trace-avcs/app"] }, true},
		"keeps apparmor recording annotations": {
			func(p *corev1.Pod) any { return p.Annotations["io.containers.trace-bpf-apparmor/app"] }, true,
		},
		"drops managedFields":                 {func(p *corev1.Pod) any { return p.ManagedFields }, false},
		"drops ownerReferences":               {func(p *corev1.Pod) any { return p.OwnerReferences }, false},
		"drops finalizers":                    {func(p *corev1.Pod) any { return p.Finalizers }, false},
		"drops the node name":                 {func(p *corev1.Pod) any { return p.Spec.NodeName }, false},
		"drops volumes":                       {func(p *corev1.Pod) any { return p.Spec.Volumes }, false},
		"drops commands":                      {func(p *corev1.Pod) any { return p.Spec.Containers[0].Command }, false},
		"drops environment variables":         {func(p *corev1.Pod) any { return p.Spec.Containers[0].Env }, false},
		"drops resources":                     {func(p *corev1.Pod) any { return p.Spec.Containers[0].Resources }, false},
		"drops ephemeral container commands":  {func(p *corev1.Pod) any { return p.Spec.EphemeralContainers[0].Command }, false},
		"drops the pod IP":                    {func(p *corev1.Pod) any { return p.Status.PodIP }, false},
		"drops conditions":                    {func(p *corev1.Pod) any { return p.Status.Conditions }, false},
		"drops image IDs":                     {func(p *corev1.Pod) any { return p.Status.ContainerStatuses[0].ImageID }, false},
		"drops restart counts":                {func(p *corev1.Pod) any { return p.Status.ContainerStatuses[0].RestartCount }, false},
		"drops termination messages":          {func(p *corev1.Pod) any { return p.Status.ContainerStatuses[0].State.Terminated.Message }, false},
		"keeps whether a container has ended": {func(p *corev1.Pod) any { return p.Status.ContainerStatuses[0].State.Terminated != nil }, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := tc.field(transform(t, fullPod()))
			if !tc.kept {
				if !reflect.ValueOf(got).IsZero() {
					t.Errorf("field kept as %v, want it dropped", got)
				}
				return
			}
			if want := tc.field(fullPod()); !equality.Semantic.DeepEqual(got, want) {
				t.Errorf("field = %v, want %v", got, want)
			}
		})
	}
}

func transform(t *testing.T, obj any) *corev1.Pod {
	t.Helper()
	out, err := workloads.TransformPod(obj)
	if err != nil {
		t.Fatalf("TransformPod: %v", err)
	}
	pod, ok := out.(*corev1.Pod)
	if !ok {
		t.Fatalf("TransformPod returned %T, want *corev1.Pod", out)
	}
	return pod
}

func TestTransformPodKeepsEverythingSeccompProfilesOfNeeds(t *testing.T) {
	want := workloads.SeccompProfilesOf(fullPod())
	if got := workloads.SeccompProfilesOf(transform(t, fullPod())); !slices.Equal(got, want) || len(got) != 4 {
		t.Errorf("SeccompProfilesOf(transformed) = %q, want %q", got, want)
	}
}

func TestTransformPodKeepsEverythingMayRunNeeds(t *testing.T) {
	for _, pod := range []*corev1.Pod{fullPod(), func() *corev1.Pod {
		p := fullPod()
		p.Status.EphemeralContainerStatuses[0].State = terminated()
		return p
	}()} {
		if got, want := workloads.MayRun(transform(t, pod)), workloads.MayRun(pod); got != want {
			t.Errorf("MayRun(transformed) = %v, want %v", got, want)
		}
	}
}

func TestTransformPodDropsAnnotationsOfPodsThatRecordNothing(t *testing.T) {
	pod := fullPod()
	pod.Annotations = map[string]string{"note": "big"}
	if got := transform(t, pod).Annotations; got != nil {
		t.Errorf("annotations = %v, want nil", got)
	}
}

func TestTransformPodIsIdempotent(t *testing.T) {
	once := transform(t, fullPod())
	if twice := transform(t, once.DeepCopy()); !equality.Semantic.DeepEqual(once, twice) {
		t.Errorf("transforming twice changed the pod:\n%v\n%v", once, twice)
	}
}

func TestTransformPodPassesOtherObjectsThrough(t *testing.T) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n", Annotations: map[string]string{"a": "b"}}}
	out, err := workloads.TransformPod(node)
	if err != nil || out != any(node) {
		t.Errorf("TransformPod(node) = %v, %v; want the node unchanged", out, err)
	}
}
