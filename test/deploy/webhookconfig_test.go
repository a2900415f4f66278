package deploy

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/test/controlplane"
	"github.com/secprofiles/spo/webhooks"
	"github.com/secprofiles/spo/webhooks/config"
)

const operatorNamespace = "security-profiles-operator"

// TestWebhookConfigOverlays runs the operator's webhook configuration
// controller and checks what the overlays promise: static-webhook ships
// exactly what the operator writes for the default settings, and the
// namespaced overlay's SPOD restricts both webhooks to its namespace.
func TestWebhookConfigOverlays(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	static := build(t, "overlays/static-webhook")
	namespaced := build(t, "overlays/namespaced")
	installPrerequisites(ctx, t, static)

	// The shipped configuration as the API server would store it
	// (defaulted), before the operator writes its own.
	shipped := find(t, static, "MutatingWebhookConfiguration", webhooks.MutatingConfigName)
	if err := k8s.Create(ctx, shipped, client.DryRunAll); err != nil {
		t.Fatalf("dry-run create of the static configuration: %v", err)
	}
	want := typed(t, shipped, &admissionregistrationv1.MutatingWebhookConfiguration{})

	mgr, err := ctrl.NewManager(cfg, controlplane.ManagerOptions(manager.Options{
		Cache: cache.Options{ByObject: config.CacheByObject()},
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := config.Setup(mgr, config.Options{Namespace: operatorNamespace}); err != nil {
		t.Fatal(err)
	}
	mctx, stop := context.WithCancel(ctx)
	wait := controlplane.Run(mctx, mgr)
	t.Cleanup(func() {
		stop()
		if err := wait(); err != nil {
			t.Error(err)
		}
		mwc := &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: webhooks.MutatingConfigName}}
		_ = client.IgnoreNotFound(k8s.Delete(context.Background(), mwc))
		spod := &v1.SecurityProfilesOperatorDaemon{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: v1.SPODName}}
		_ = client.IgnoreNotFound(k8s.Delete(context.Background(), spod))
	})

	// No SPOD: the operator writes its defaults.
	got := waitForWebhooks(ctx, t, func(*admissionregistrationv1.MutatingWebhookConfiguration) bool { return true })
	if diff := cmp.Diff(want.Webhooks, got.Webhooks); diff != "" {
		t.Errorf("config/overlays/static-webhook differs from what the operator writes (-shipped +operator):\n%s", diff)
	}
	if diff := cmp.Diff(want.Labels, got.Labels); diff != "" {
		t.Errorf("labels differ (-shipped +operator):\n%s", diff)
	}

	// The namespaced overlay's SPOD: both webhooks see my-apps only, and
	// never the operator's namespace.
	spod := find(t, namespaced, "SecurityProfilesOperatorDaemon", v1.SPODName)
	if err := k8s.Create(ctx, spod); err != nil {
		t.Fatalf("creating the namespaced overlay's SPOD: %v", err)
	}
	restricted := &metav1.LabelSelector{
		MatchLabels: map[string]string{"kubernetes.io/metadata.name": "my-apps"},
		MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{operatorNamespace},
		}},
	}
	got = waitForWebhooks(ctx, t, func(m *admissionregistrationv1.MutatingWebhookConfiguration) bool {
		for _, w := range m.Webhooks {
			if !cmp.Equal(w.NamespaceSelector, restricted) {
				return false
			}
		}
		return true
	})
	if len(got.Webhooks) != 2 {
		t.Errorf("webhooks = %d, want 2", len(got.Webhooks))
	}
}

// waitForWebhooks returns the operator's configuration once it has both
// webhooks and ok says so.
func waitForWebhooks(ctx context.Context, t *testing.T, ok func(*admissionregistrationv1.MutatingWebhookConfiguration) bool) *admissionregistrationv1.MutatingWebhookConfiguration {
	t.Helper()
	for {
		m := &admissionregistrationv1.MutatingWebhookConfiguration{}
		err := k8s.Get(ctx, client.ObjectKey{Name: webhooks.MutatingConfigName}, m)
		if err == nil && len(m.Webhooks) == 2 && ok(m) {
			return m
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v (last read: %v, %+v)", webhooks.MutatingConfigName, ctx.Err(), err, m.Webhooks)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o.DeepCopy()
		}
	}
	t.Fatalf("no %s %s", kind, name)
	return nil
}
