package nodereport_test

import (
	"context"
	"os"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodereport"
	"github.com/secprofiles/spo/test/controlplane"
)

var k8s client.Client

// TestMain starts a real API server; the reporter's writes are checked
// against what it stores.
func TestMain(m *testing.M) {
	suite, err := controlplane.StartSuite(manager.Options{}, func(manager.Manager) error { return nil })
	if err != nil {
		panic(err)
	}
	k8s = suite.Client
	code := m.Run()
	if err := suite.Stop(); err != nil {
		panic(err)
	}
	os.Exit(code)
}

func profile(t *testing.T, name string, finalizers ...string) *v1.SeccompProfile {
	t.Helper()
	p := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: name, Finalizers: finalizers},
		Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActAllow}}
	if err := k8s.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_ = k8s.Get(ctx, client.ObjectKeyFromObject(p), p)
		p.Finalizers = nil
		_ = k8s.Update(ctx, p)
		_ = k8s.Delete(ctx, p)
	})
	return p
}

func report(t *testing.T, name string) *v1.SecurityProfileNodeStatus {
	t.Helper()
	ns := &v1.SecurityProfileNodeStatus{}
	if err := k8s.Get(t.Context(), client.ObjectKey{Name: name}, ns); err != nil {
		t.Fatal(err)
	}
	return ns
}

func TestSetWritesStatusAndSPOsLabels(t *testing.T) {
	ctx := t.Context()
	p := profile(t, "labelled")
	rep := nodereport.Reporter{Client: k8s, Node: "node-1"}
	installed := v1.SecurityProfileNodeStatusStatus{Status: v1.ProfileStateInstalled, Path: "/p.json"}
	if err := rep.Set(ctx, p, installed); err != nil {
		t.Fatal(err)
	}
	ns := report(t, "labelled-node-1")
	if ns.Status != installed {
		t.Errorf("status = %+v, want %+v", ns.Status, installed)
	}
	want := map[string]string{"spo.x-k8s.io/profile-id": "SeccompProfile-labelled", "spo.x-k8s.io/node-name": "node-1",
		"spo.x-k8s.io/profile-kind": "SeccompProfile", "spo.x-k8s.io/profile-state": "Installed"}
	for k, v := range want {
		if ns.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, ns.Labels[k], v)
		}
	}

	// Saying the same again writes nothing.
	if err := rep.Set(ctx, p, installed); err != nil {
		t.Fatal(err)
	}
	if again := report(t, "labelled-node-1"); again.ResourceVersion != ns.ResourceVersion {
		t.Errorf("an unchanged state was written again (resourceVersion %s -> %s)", ns.ResourceVersion, again.ResourceVersion)
	}

	// The state label follows the state.
	failed := v1.SecurityProfileNodeStatusStatus{Status: v1.ProfileStateError, Reason: "InvalidProfile", Message: "bad"}
	if err := rep.Set(ctx, p, failed); err != nil {
		t.Fatal(err)
	}
	ns = report(t, "labelled-node-1")
	if ns.Status != failed || ns.Labels["spo.x-k8s.io/profile-state"] != "Error" {
		t.Errorf("after Error: status %+v, state label %q", ns.Status, ns.Labels["spo.x-k8s.io/profile-state"])
	}
}

func TestSetAdoptsTheReportSPOsDaemonLeft(t *testing.T) {
	ctx := t.Context()
	p := profile(t, "adopted")
	// What SPO's v1alpha1 report reads as in v1: node and state only.
	old := &v1.SecurityProfileNodeStatus{
		ObjectMeta: metav1.ObjectMeta{Name: "adopted-node-1", Labels: map[string]string{
			"spo.x-k8s.io/profile-id": "SeccompProfile-adopted", "spo.x-k8s.io/node-name": "node-1",
			"spo.x-k8s.io/profile-state": "Pending", "spo.x-k8s.io/profile-kind": "SeccompProfile"}},
		Spec: v1.SecurityProfileNodeStatusSpec{NodeName: "node-1"},
	}
	if err := k8s.Create(ctx, old); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), old) })
	rep := nodereport.Reporter{Client: k8s, Node: "node-1"}
	if err := rep.Set(ctx, p, v1.SecurityProfileNodeStatusStatus{Status: v1.ProfileStateInstalled}); err != nil {
		t.Fatal(err)
	}
	ns := report(t, "adopted-node-1")
	if ns.Spec.ProfileKind != "SeccompProfile" || ns.Spec.ProfileName != "adopted" ||
		ns.Status.Status != v1.ProfileStateInstalled || ns.Labels["spo.x-k8s.io/profile-state"] != "Installed" {
		t.Errorf("adopted report = spec %+v, status %+v, labels %v", ns.Spec, ns.Status, ns.Labels)
	}

}

func TestAdoptable(t *testing.T) {
	p := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: "web", UID: "u-1"}}
	spos := func(node string, labels map[string]string, owner types.UID) *v1.SecurityProfileNodeStatus {
		ns := &v1.SecurityProfileNodeStatus{ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: v1.SecurityProfileNodeStatusSpec{NodeName: node}}
		if owner != "" {
			ns.OwnerReferences = []metav1.OwnerReference{{Kind: "SeccompProfile", Name: "web", UID: owner}}
		}
		return ns
	}
	id := map[string]string{v1.LabelProfileID: "SeccompProfile-web"}
	tests := map[string]struct {
		ns   *v1.SecurityProfileNodeStatus
		want bool
	}{
		"adopts SPO's report of this node labelled with the profile's id": {spos("node-1", id, ""), true},
		"adopts SPO's report of this node owned by the profile":           {spos("node-1", nil, "u-1"), true},
		"refuses SPO's report of another node":                            {spos("node-2", id, "u-1"), false},
		"refuses SPO's report of another profile":                         {spos("node-1", map[string]string{v1.LabelProfileID: "SeccompProfile-db"}, "u-2"), false},
		"refuses a report that names its profile (spo's own)": {&v1.SecurityProfileNodeStatus{ObjectMeta: metav1.ObjectMeta{Labels: id},
			Spec: v1.SecurityProfileNodeStatusSpec{NodeName: "node-1", ProfileKind: "SeccompProfile", ProfileName: "web"}}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := nodereport.Adoptable(tc.ns, "SeccompProfile", p, "node-1"); got != tc.want {
				t.Errorf("Adoptable = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFinalizersTakeOverSPOsOfThisNode(t *testing.T) {
	ctx := t.Context()
	p := profile(t, "fins", "node-1-deleted", "node-2-deleted", "example.com/keep")
	rep := nodereport.Reporter{Client: k8s, Node: "node-1"}
	if err := rep.AddFinalizer(ctx, p); err != nil {
		t.Fatal(err)
	}
	want := []string{v1.NodeFinalizer("node-1"), "node-2-deleted", "example.com/keep"}
	if !slices.Equal(p.Finalizers, want) {
		t.Errorf("after AddFinalizer: %v, want %v", p.Finalizers, want)
	}
	rv := p.ResourceVersion
	if err := rep.AddFinalizer(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.ResourceVersion != rv {
		t.Error("AddFinalizer wrote although the finalizer was there")
	}
	if err := rep.RemoveFinalizer(ctx, p); err != nil {
		t.Fatal(err)
	}
	if want := []string{"node-2-deleted", "example.com/keep"}; !slices.Equal(p.Finalizers, want) {
		t.Errorf("after RemoveFinalizer: %v, want %v", p.Finalizers, want)
	}

	// A profile that only SPO's daemon had installed on this node loses
	// that finalizer when spo's daemon removes the file.
	q := profile(t, "fins-spo-only", "node-1-deleted")
	if err := rep.RemoveFinalizer(ctx, q); err != nil {
		t.Fatal(err)
	}
	if len(q.Finalizers) != 0 {
		t.Errorf("after RemoveFinalizer: %v, want none", q.Finalizers)
	}
}
