package rbac

import (
	"context"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/secprofiles/spo/reconcilers/spod"
)

// managerPolicy is config/policy-manager's policy.
const managerPolicy = "spo-manager-node-label"

// managerPolicyActive waits until the API server enforces the manager's
// node policy.
func managerPolicyActive(ctx context.Context, t *testing.T) {
	t.Helper()
	must(t, client.IgnoreAlreadyExists(k8s.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-probe"}})))
	mgr := impersonating(t, "system:serviceaccount:"+namespace+":spo-manager", nil)
	probe := []byte(`{"metadata":{"labels":{"spo.x-k8s.io/probe":"x"}}}`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-probe"}}
		err := mgr.Patch(ctx, n, client.RawPatch(types.MergePatchType, probe), client.DryRunAll)
		if err != nil && strings.Contains(err.Error(), managerPolicy) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the policy %s is not enforced after 30s: %v", managerPolicy, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// envtest runs no kube-controller-manager, whose controller writes
	// status.typeChecking; where it is set it must hold no warnings. Every
	// expression is evaluated by the admitted patches below (a runtime
	// error would refuse them: failurePolicy Fail).
	p := &admissionregistrationv1.ValidatingAdmissionPolicy{}
	must(t, k8s.Get(ctx, client.ObjectKey{Name: managerPolicy}, p))
	if tc := p.Status.TypeChecking; tc != nil && len(tc.ExpressionWarnings) > 0 {
		t.Fatalf("policy %s does not type-check: %+v", p.Name, tc.ExpressionWarnings)
	}
}

// patchNode changes the node as the spod reconciler does: a merge patch
// from the object as read (client.MergeFrom), made with c.
func patchNode(ctx context.Context, t *testing.T, c client.Client, name string, change func(*corev1.Node)) error {
	t.Helper()
	n := &corev1.Node{}
	must(t, k8s.Get(ctx, client.ObjectKey{Name: name}, n))
	base := n.DeepCopy()
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	if n.Annotations == nil {
		n.Annotations = map[string]string{}
	}
	change(n)
	return c.Patch(ctx, n, client.MergeFrom(base))
}

func selinuxdLabel(entry string) func(*corev1.Node) {
	return func(n *corev1.Node) {
		if entry == "" {
			delete(n.Labels, spod.LabelSelinuxd)
		} else {
			n.Labels[spod.LabelSelinuxd] = entry
		}
	}
}

func nodeLabel(ctx context.Context, t *testing.T, name string) (string, bool) {
	t.Helper()
	n := &corev1.Node{}
	must(t, k8s.Get(ctx, client.ObjectKey{Name: name}, n))
	v, ok := n.Labels[spod.LabelSelinuxd]
	return v, ok
}

// newNode creates a node with a label and an annotation of its own, as
// real nodes have.
func newNode(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name,
		Labels:      map[string]string{"topology.kubernetes.io/zone": "zone-a"},
		Annotations: map[string]string{"example.com/owner": "ops"},
	}}
	must(t, k8s.Create(ctx, n))
	t.Cleanup(func() {
		ctx := context.Background()
		_ = k8s.Patch(ctx, n.DeepCopy(), client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`)))
		_ = k8s.Delete(ctx, n)
	})
}

// Everything but the selinuxd label, and the refusal's words naming it.
var nodeChanges = []struct {
	what   string
	change func(*corev1.Node)
	words  []string
}{
	{"adding another label", func(n *corev1.Node) { n.Labels["example.com/pool"] = "gpu" },
		[]string{"metadata.labels example.com/pool"}},
	{"changing another label", func(n *corev1.Node) { n.Labels["topology.kubernetes.io/zone"] = "zone-b" },
		[]string{"metadata.labels topology.kubernetes.io/zone"}},
	{"removing another label", func(n *corev1.Node) { delete(n.Labels, "topology.kubernetes.io/zone") },
		[]string{"metadata.labels topology.kubernetes.io/zone"}},
	{"another label along with the selinuxd label", func(n *corev1.Node) {
		n.Labels[spod.LabelSelinuxd] = "el9"
		n.Labels["node-role.kubernetes.io/control-plane"] = ""
	}, []string{"metadata.labels node-role.kubernetes.io/control-plane"}},
	{"tainting", func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: "example.com/drain", Effect: corev1.TaintEffectNoExecute})
	}, []string{"spec.taints"}},
	{"cordoning", func(n *corev1.Node) { n.Spec.Unschedulable = true }, []string{"spec.unschedulable"}},
	{"setting the providerID", func(n *corev1.Node) { n.Spec.ProviderID = "example://node" }, []string{"not its spec"}},
	{"adding an annotation", func(n *corev1.Node) { n.Annotations["example.com/note"] = "x" },
		[]string{"metadata.annotations"}},
	{"changing an annotation", func(n *corev1.Node) { n.Annotations["example.com/owner"] = "spo" },
		[]string{"metadata.annotations"}},
	{"adding a finalizer", func(n *corev1.Node) { n.Finalizers = append(n.Finalizers, "example.com/hold") },
		[]string{"metadata.finalizers"}},
	{"adding an ownerReference (garbage collection would delete the node)", func(n *corev1.Node) {
		n.OwnerReferences = append(n.OwnerReferences, metav1.OwnerReference{
			APIVersion: "v1", Kind: "Namespace", Name: "tenant-a", UID: "00000000-0000-0000-0000-000000000001"})
	}, []string{"metadata.ownerReferences"}},
}

func TestManagerChangesOnlyTheSelinuxdLabelOfNodes(t *testing.T) {
	ctx := t.Context()
	managerPolicyActive(ctx, t)
	mgr := impersonating(t, "system:serviceaccount:"+namespace+":spo-manager", nil)
	const node = "node-m"
	newNode(ctx, t, node)

	// What the spod reconciler does: set, change and remove the label.
	for _, entry := range []string{"el9", "fedora", ""} {
		must(t, patchNode(ctx, t, mgr, node, selinuxdLabel(entry)))
		if got, ok := nodeLabel(ctx, t, node); got != entry || ok != (entry != "") {
			t.Fatalf("after the manager's patch for entry %q the node's label is %q (present %v)", entry, got, ok)
		}
	}

	before := &corev1.Node{}
	must(t, k8s.Get(ctx, client.ObjectKey{Name: node}, before))
	for _, c := range nodeChanges {
		refused(t, "the manager "+c.what, patchNode(ctx, t, mgr, node, c.change),
			append([]string{managerPolicy, "node " + node}, c.words...)...)
	}
	after := &corev1.Node{}
	must(t, k8s.Get(ctx, client.ObjectKey{Name: node}, after))
	if after.ResourceVersion != before.ResourceVersion {
		t.Errorf("a refused patch changed the node: %+v", after)
	}

	// Any patch form, not only merge patches.
	jsonPatch := []byte(`[{"op":"add","path":"/spec/unschedulable","value":true}]`)
	refused(t, "the manager cordoning by JSON patch",
		mgr.Patch(ctx, after.DeepCopy(), client.RawPatch(types.JSONPatchType, jsonPatch)), managerPolicy, "spec.unschedulable")

	// The admin is not confined: the policy is the manager's.
	for _, c := range nodeChanges {
		if err := patchNode(ctx, t, k8s, node, c.change); err != nil {
			t.Errorf("the admin %s: %v", c.what, err)
		}
	}
}

// Another user with the same permissions on nodes is not confined, and
// the policy matches the manager in any namespace and also guards the
// status subresource, which today's role does not grant.
func TestManagerNodePolicyMatchesOnlyTheManager(t *testing.T) {
	ctx := t.Context()
	managerPolicyActive(ctx, t)
	const node = "node-n"
	newNode(ctx, t, node)

	const (
		ops       = "node-ops"
		elsewhere = "system:serviceaccount:elsewhere:spo-manager"
	)
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "test-node-patcher"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes", "nodes/status"}, Verbs: []string{"get", "patch"}}},
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "test-node-patcher"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name},
		Subjects: []rbacv1.Subject{
			{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: ops},
			{Kind: "ServiceAccount", Namespace: "elsewhere", Name: "spo-manager"},
		},
	}
	must(t, k8s.Create(ctx, role))
	must(t, k8s.Create(ctx, binding))
	t.Cleanup(func() {
		_ = k8s.Delete(context.Background(), binding)
		_ = k8s.Delete(context.Background(), role)
	})

	// The authorizer learns of the binding through a watch: wait for it.
	other := impersonating(t, elsewhere, nil)
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := patchNode(ctx, t, other, node, selinuxdLabel("el10"))
		if err == nil {
			break
		}
		if time.Now().After(deadline) || !strings.Contains(err.Error(), "cannot patch") {
			t.Fatalf("spo-manager of namespace elsewhere setting the selinuxd label: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	refused(t, "spo-manager of namespace elsewhere cordoning", patchNode(ctx, t, other, node, func(n *corev1.Node) { n.Spec.Unschedulable = true }),
		managerPolicy, "spec.unschedulable")

	status := func(n *corev1.Node) {
		n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{
			Type: corev1.NodeReady, Status: corev1.ConditionFalse, Reason: "Test", LastHeartbeatTime: metav1.Now()})
	}
	patchStatus := func(c client.Client) error {
		n := &corev1.Node{}
		must(t, k8s.Get(ctx, client.ObjectKey{Name: node}, n))
		base := n.DeepCopy()
		status(n)
		return c.Status().Patch(ctx, n, client.MergeFrom(base))
	}
	refused(t, "spo-manager of namespace elsewhere writing the node's status", patchStatus(other), managerPolicy, "not its status")

	opsUser := impersonating(t, ops, nil)
	for _, c := range nodeChanges {
		if err := patchNode(ctx, t, opsUser, node, c.change); err != nil {
			t.Errorf("%s (not spo-manager) %s: %v", ops, c.what, err)
		}
	}
	must(t, patchStatus(opsUser))
}
