package nodedebuggingpod

import (
	"context"
	"encoding/json"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/go-cmp/cmp"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/secprofiles/spo/webhooks/execmetadata"
)

const uid = "0b5c1a8e-7d0f-4c33-9a1e-2f6d5e4c3b2a"

var kubectlLabel = map[string]string{ManagedByLabel: ManagedByKubectlDebug}

func TestEnvNameIsExecMetadatas(t *testing.T) {
	if EnvName != execmetadata.EnvName {
		t.Fatalf("%s != %s: the enricher reads one variable", EnvName, execmetadata.EnvName)
	}
}

func TestIsNodeDebuggingPod(t *testing.T) {
	for name, tc := range map[string]struct {
		labels map[string]string
		node   string
		want   bool
	}{
		"kubectl debug node/...":             {kubectlLabel, "node-a", true},
		"label kept among others":            {map[string]string{ManagedByLabel: ManagedByKubectlDebug, "x": "y"}, "node-a", true},
		"no label":                           {nil, "node-a", false},
		"another manager":                    {map[string]string{ManagedByLabel: "helm"}, "node-a", false},
		"label but not bound to a node":      {kubectlLabel, "", false},
		"label value differs only in case":   {map[string]string{ManagedByLabel: "Kubectl-Debug"}, "node-a", false},
		"label key on an annotation instead": {map[string]string{"managed-by": ManagedByKubectlDebug}, "node-a", false},
	} {
		t.Run(name, func(t *testing.T) {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Labels: tc.labels}, Spec: corev1.PodSpec{NodeName: tc.node}}
			if got := IsNodeDebuggingPod(pod); got != tc.want {
				t.Fatalf("IsNodeDebuggingPod = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestChanges(t *testing.T) {
	tagged := corev1.EnvVar{Name: EnvName, Value: uid}
	cm := &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{Key: "k"}}
	for name, tc := range map[string]struct {
		spec corev1.PodSpec
		want []Change
	}{
		"a container without env gets one": {
			corev1.PodSpec{Containers: []corev1.Container{{Name: "debugger"}}},
			[]Change{{"/spec/containers/0/env", []corev1.EnvVar{tagged}}},
		},
		"other variables are kept, in order, before it": {
			corev1.PodSpec{Containers: []corev1.Container{{Env: []corev1.EnvVar{{Name: "B", Value: "1"}, {Name: "A", Value: "2"}}}}},
			[]Change{{"/spec/containers/0/env", []corev1.EnvVar{{Name: "B", Value: "1"}, {Name: "A", Value: "2"}, tagged}}},
		},
		"a pre-set value is overwritten, not duplicated": {
			corev1.PodSpec{Containers: []corev1.Container{{Env: []corev1.EnvVar{
				{Name: EnvName, Value: "forged"}, {Name: "A", Value: "1"}, {Name: EnvName, ValueFrom: cm}}}}},
			[]Change{{"/spec/containers/0/env", []corev1.EnvVar{{Name: "A", Value: "1"}, tagged}}},
		},
		"every container and init container": {
			corev1.PodSpec{InitContainers: []corev1.Container{{Name: "i"}},
				Containers: []corev1.Container{{Name: "a"}, {Name: "b", Env: []corev1.EnvVar{{Name: EnvName, Value: uid}}}}},
			[]Change{{"/spec/initContainers/0/env", []corev1.EnvVar{tagged}},
				{"/spec/containers/0/env", []corev1.EnvVar{tagged}}, {"/spec/containers/1/env", []corev1.EnvVar{tagged}}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: tc.spec}
			before := pod.DeepCopy()
			got := Changes(pod, uid)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, pod); diff != "" {
				t.Fatalf("Changes modified the pod:\n%s", diff)
			}
		})
	}
}

func podRequest(t *testing.T, pod *corev1.Pod) admission.Request {
	t.Helper()
	pod.TypeMeta = metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"}
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID: uid, Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
		Operation: admissionv1.Create, Namespace: "default", Name: pod.Name, Object: runtime.RawExtension{Raw: raw},
	}}
}

// patched applies a response's patch to the request's pod.
func patched(t *testing.T, req admission.Request, resp admission.Response) *corev1.Pod {
	t.Helper()
	raw, err := json.Marshal(resp.Patches)
	if err != nil {
		t.Fatal(err)
	}
	p, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Apply(req.Object.Raw)
	if err != nil {
		t.Fatal(err)
	}
	var pod corev1.Pod
	if err := json.Unmarshal(out, &pod); err != nil {
		t.Fatal(err)
	}
	return &pod
}

// debugPod is what kubectl v1.37's `debug node/node-a --image busybox --
// env` sends (generateNodeDebugPod, general profile), with a forged value.
func debugPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "node-debugger-node-a-x2k4q", Labels: kubectlLabel},
		Spec: corev1.PodSpec{
			NodeName: "node-a", HostPID: true, HostNetwork: true, HostIPC: true,
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "debugger", Image: "busybox", Command: []string{"env"},
				Env: []corev1.EnvVar{{Name: EnvName, Value: "forged"}, {Name: "TERM", Value: "xterm"}}}},
			Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
		},
	}
}

func TestHandlerTagsNodeDebuggingPods(t *testing.T) {
	pod := debugPod()
	req := podRequest(t, pod)
	resp := Handler{}.Handle(context.Background(), req)
	if !resp.Allowed {
		t.Fatalf("refused: %+v", resp.Result)
	}
	got := patched(t, req, resp)
	want := debugPod()
	want.TypeMeta = got.TypeMeta
	want.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "TERM", Value: "xterm"}, {Name: EnvName, Value: uid}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("pod after the patch (-want +got):\n%s", diff)
	}
	if resp.AuditAnnotations[EnvName] != uid {
		t.Fatalf("audit annotations %v", resp.AuditAnnotations)
	}
}

func TestHandlerLeavesOtherRequestsAlone(t *testing.T) {
	ordinary := debugPod()
	ordinary.Labels = map[string]string{"app": "web"}
	copied := debugPod() // kubectl debug POD --copy-to without --same-node
	copied.Spec.NodeName = ""
	update := podRequest(t, debugPod())
	update.Operation = admissionv1.Update
	sub := podRequest(t, debugPod())
	sub.SubResource = "ephemeralcontainers"
	bad := podRequest(t, debugPod())
	bad.Object.Raw = []byte("{")
	for name, req := range map[string]admission.Request{
		"an ordinary pod (a widened objectSelector)": podRequest(t, ordinary),
		"a labelled pod not bound to a node":         podRequest(t, copied),
		"UPDATE":                                     update,
		"a subresource":                              sub,
		"an undecodable object":                      bad,
	} {
		t.Run(name, func(t *testing.T) {
			resp := Handler{}.Handle(context.Background(), req)
			if !resp.Allowed || len(resp.Patches) != 0 || len(resp.AuditAnnotations) != 0 {
				t.Fatalf("response %+v; want it admitted unchanged (the webhook never decides)", resp)
			}
		})
	}
}
