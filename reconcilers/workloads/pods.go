package workloads

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

const (
	// localhostDir is the directory under the kubelet's seccomp root where the
	// daemon installs profiles; status.localhostProfile starts with it.
	localhostDir = "operator/"
	// localhostExt ends every file the daemon writes.
	localhostExt = ".json"
)

// SeccompProfilesOf returns the names of the SeccompProfiles that pod
// references from its pod-level or any container's security context, sorted
// and without duplicates.
func SeccompProfilesOf(pod *corev1.Pod) []string {
	var names []string
	add := func(sp *corev1.SeccompProfile) {
		if name, ok := profileName(sp); ok {
			names = append(names, name)
		}
	}
	if sc := pod.Spec.SecurityContext; sc != nil {
		add(sc.SeccompProfile)
	}
	forEachContainer(pod, func(_ string, sc *corev1.SecurityContext) {
		if sc != nil {
			add(sc.SeccompProfile)
		}
	})
	return sortedUnique(names)
}

// profileName maps a seccomp profile reference to the SeccompProfile it names.
// Only files the daemon could have written count: anything else is a profile
// the cluster admin placed on the nodes by hand, which the operator does not
// manage.
func profileName(sp *corev1.SeccompProfile) (string, bool) {
	if sp == nil || sp.Type != corev1.SeccompProfileTypeLocalhost || sp.LocalhostProfile == nil {
		return "", false
	}
	name, ok := strings.CutPrefix(cleanLocalhost(*sp.LocalhostProfile), localhostDir)
	if !ok {
		return "", false
	}
	name, ok = strings.CutSuffix(name, localhostExt)
	// Object names never contain "/", so a nested path is not one of ours.
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", false
	}
	return name, true
}

// forEachContainer calls fn for every container, init container and
// ephemeral container of pod. Ephemeral containers have their own type but
// run under a profile like any other container.
func forEachContainer(pod *corev1.Pod, fn func(name string, sc *corev1.SecurityContext)) {
	for i := range pod.Spec.InitContainers {
		fn(pod.Spec.InitContainers[i].Name, pod.Spec.InitContainers[i].SecurityContext)
	}
	for i := range pod.Spec.Containers {
		fn(pod.Spec.Containers[i].Name, pod.Spec.Containers[i].SecurityContext)
	}
	for i := range pod.Spec.EphemeralContainers {
		c := &pod.Spec.EphemeralContainers[i].EphemeralContainerCommon
		fn(c.Name, c.SecurityContext)
	}
}

// MayRun reports whether pod may still run a container, and therefore still
// needs the profiles it references to be present on the nodes.
func MayRun(pod *corev1.Pod) bool {
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return false
	}
	if pod.DeletionTimestamp == nil {
		return true
	}
	// Deletion is graceful: the kubelet may still be running the containers,
	// so only their reported termination makes the profiles unnecessary.
	return !allTerminated(pod)
}

// allTerminated reports whether every container of pod has a status that
// says it terminated. A container without a status may be about to start.
func allTerminated(pod *corev1.Pod) bool {
	terminated := map[string]bool{}
	for _, list := range [][]corev1.ContainerStatus{
		pod.Status.InitContainerStatuses,
		pod.Status.ContainerStatuses,
		pod.Status.EphemeralContainerStatuses,
	} {
		for i := range list {
			terminated[list[i].Name] = list[i].State.Terminated != nil
		}
	}
	all := true
	forEachContainer(pod, func(name string, _ *corev1.SecurityContext) {
		all = all && terminated[name]
	})
	return all
}
