package nodestatus

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	schedulinghelpers "k8s.io/component-helpers/scheduling/corev1"
)

// daemonTolerations are the tolerations the DaemonSet controller adds to
// every daemon pod (pkg/controller/daemon/util AddOrUpdateDaemonPodTolerations):
// a node that is cordoned, under pressure or not ready still runs its
// daemon pod, so it is still targeted.
var daemonTolerations = []corev1.Toleration{
	{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	{Key: corev1.TaintNodeDiskPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodeMemoryPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodePIDPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodeNetworkUnavailable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
}

// Targeted reports whether the DaemonSet controller keeps a pod of
// template running on node (daemon_controller.go NodeShouldRunDaemonPod,
// shouldContinueRunning): its nodeName, nodeSelector and required node
// affinity match the node, and every NoExecute taint of the node is
// tolerated (with the tolerations the controller adds itself). A NoSchedule
// taint keeps new pods off but leaves a running daemon pod alone, so it
// does not untarget the node (a node just created carries
// node.kubernetes.io/not-ready:NoSchedule until its kubelet is ready). A template
// spo cannot read (a malformed affinity) targets every node: pruning a
// node's finalizers wrongly would let a profile go before that node
// removed its files, keeping them a while longer costs nothing.
func Targeted(template *corev1.PodSpec, node *corev1.Node) bool {
	return Targeting(template)(node)
}

// Targeting is Targeted for one template and many nodes: the template's
// selectors are parsed once.
func Targeting(template *corev1.PodSpec) func(*corev1.Node) bool {
	if template == nil {
		return func(*corev1.Node) bool { return true }
	}
	affinity := nodeaffinity.NewRequiredNodeAffinity(template.NodeSelector, template.Affinity)
	tolerations := append(append([]corev1.Toleration{}, template.Tolerations...), daemonTolerations...)
	noExecute := func(t *corev1.Taint) bool { return t.Effect == corev1.TaintEffectNoExecute }
	return func(node *corev1.Node) bool {
		if template.NodeName != "" && template.NodeName != node.Name {
			return false
		}
		match, err := affinity.Match(node)
		if err != nil {
			return true
		}
		if !match {
			return false
		}
		_, untolerated := schedulinghelpers.FindMatchingUntoleratedTaint(klog.Background(), node.Spec.Taints, tolerations, noExecute, true)
		return !untolerated
	}
}

// DaemonSetKey names the node DaemonSet whose pods report on profiles.
type DaemonSetKey = types.NamespacedName
