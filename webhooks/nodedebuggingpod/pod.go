package nodedebuggingpod

import (
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// EnvName is the variable set in the containers: execmetadata.EnvName,
// so the enricher reads one name (a test holds them equal; importing it
// would make a cycle through webhooks/config).
const EnvName = "SPO_EXEC_REQUEST_UID"

// ManagedByLabel and ManagedByKubectlDebug are the label kubectl puts on
// the pods of `kubectl debug node/...`.
const (
	ManagedByLabel        = "app.kubernetes.io/managed-by"
	ManagedByKubectlDebug = "kubectl-debug"
)

// IsNodeDebuggingPod says whether pod is one `kubectl debug node/...`
// made: the label, and bound to a node at creation (kubectl names the
// node itself, the scheduler never sees these pods). `kubectl debug POD
// --copy-to` copies the source pod's labels and clears nodeName unless
// --same-node, so a copy of an ordinary pod is not one.
func IsNodeDebuggingPod(pod *corev1.Pod) bool {
	return pod.Labels[ManagedByLabel] == ManagedByKubectlDebug && pod.Spec.NodeName != ""
}

// Change is the new env of one container, at a JSON pointer into the pod.
type Change struct {
	Path string
	Env  []corev1.EnvVar
}

// Changes returns, for every container and init container of pod, the env
// it must have: its own without any EnvName entry, then EnvName=uid. pod
// is not modified.
func Changes(pod *corev1.Pod, uid string) []Change {
	out := make([]Change, 0, len(pod.Spec.InitContainers)+len(pod.Spec.Containers))
	for i, c := range pod.Spec.InitContainers {
		out = append(out, Change{pointer("initContainers", i), withUID(c.Env, uid)})
	}
	for i, c := range pod.Spec.Containers {
		out = append(out, Change{pointer("containers", i), withUID(c.Env, uid)})
	}
	return out
}

func withUID(env []corev1.EnvVar, uid string) []corev1.EnvVar {
	out := slices.DeleteFunc(slices.Clone(env), func(e corev1.EnvVar) bool { return e.Name == EnvName })
	return append(out, corev1.EnvVar{Name: EnvName, Value: uid})
}

func pointer(list string, i int) string {
	return "/spec/" + list + "/" + strconv.Itoa(i) + "/env"
}
