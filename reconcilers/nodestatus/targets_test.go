package nodestatus

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestTargeted(t *testing.T) {
	node := func(labels map[string]string, taints ...corev1.Taint) *corev1.Node {
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n", Labels: labels}, Spec: corev1.NodeSpec{Taints: taints}}
	}
	affinity := func(key string, values ...string) *corev1.Affinity {
		return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: key, Operator: corev1.NodeSelectorOpIn, Values: values}}}}}}}
	}
	for _, tc := range []struct {
		sentence string
		template *corev1.PodSpec
		node     *corev1.Node
		want     bool
	}{
		{"without a DaemonSet every node is targeted", nil, node(nil), true},
		{"a template without constraints targets every node", &corev1.PodSpec{}, node(nil), true},
		{"a nodeSelector the node's labels match targets it",
			&corev1.PodSpec{NodeSelector: map[string]string{"pool": "a"}}, node(map[string]string{"pool": "a"}), true},
		{"a nodeSelector the node's labels do not match leaves it out",
			&corev1.PodSpec{NodeSelector: map[string]string{"pool": "a"}}, node(map[string]string{"pool": "b"}), false},
		{"a required node affinity the node does not match leaves it out",
			&corev1.PodSpec{Affinity: affinity("pool", "a")}, node(map[string]string{"pool": "b"}), false},
		{"a required node affinity the node matches targets it",
			&corev1.PodSpec{Affinity: affinity("pool", "a", "b")}, node(map[string]string{"pool": "b"}), true},
		{"an untolerated NoSchedule taint keeps the node targeted: it does not evict a running daemon pod",
			&corev1.PodSpec{}, node(nil, corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}), true},
		{"an untolerated NoExecute taint leaves the node out",
			&corev1.PodSpec{}, node(nil, corev1.Taint{Key: "dedicated", Effect: corev1.TaintEffectNoExecute}), false},
		{"a tolerated taint keeps the node targeted",
			&corev1.PodSpec{Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}},
			node(nil, corev1.Taint{Key: "dedicated", Effect: corev1.TaintEffectNoSchedule}), true},
		{"a PreferNoSchedule taint keeps the node targeted",
			&corev1.PodSpec{}, node(nil, corev1.Taint{Key: "dedicated", Effect: corev1.TaintEffectPreferNoSchedule}), true},
		{"a cordoned node keeps its daemon pod, so it stays targeted",
			&corev1.PodSpec{}, node(nil, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}), true},
		{"a node that is not ready keeps its daemon pod, so it stays targeted",
			&corev1.PodSpec{}, node(nil, corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}), true},
	} {
		t.Run(tc.sentence, func(t *testing.T) {
			if got := Targeted(tc.template, tc.node); got != tc.want {
				t.Errorf("Targeted = %v, want %v", got, tc.want)
			}
		})
	}
}

// BenchmarkTargeted is the cost per node of deciding targeting (the
// template parsed once, as nodeNames does), which the manager pays for
// every node on every profile reconcile:
// go test -run '^$' -bench Targeted ./reconcilers/nodestatus
func BenchmarkTargeted(b *testing.B) {
	template := &corev1.PodSpec{
		NodeSelector: map[string]string{"kubernetes.io/os": "linux"},
		Tolerations:  []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}},
		Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: "pool", Operator: corev1.NodeSelectorOpIn, Values: []string{"a", "b"}}}}}}}},
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n", Labels: map[string]string{"kubernetes.io/os": "linux", "pool": "b"}},
		Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "dedicated", Effect: corev1.TaintEffectNoExecute}}}}
	targeted := Targeting(template)
	for b.Loop() {
		if !targeted(node) {
			b.Fatal("not targeted")
		}
	}
}
