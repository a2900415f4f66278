package deploy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/test/controlplane"
)

// TestMakeDeploy runs make deploy and make undeploy against an API server
// of its own, through a kubeconfig as a user would, with the kubectl of
// the cached control plane.
func TestMakeDeploy(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	e, err := controlplane.New()
	if err != nil {
		t.Fatal(err)
	}
	e.CRDDirectoryPaths, e.ErrorIfCRDPathMissing = nil, false
	cfg, err := e.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Stop() })
	c, err := client.New(cfg, client.Options{Scheme: controlplane.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	user, err := e.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	make := func(args ...string) {
		t.Helper()
		cmd := exec.Command("make", append([]string{"-C", controlplane.Root()}, args...)...)
		cmd.Env = append(os.Environ(), "KUBECONFIG="+path, "KUBECTL="+filepath.Join(e.BinaryAssetsDirectory, "kubectl"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		t.Logf("make %s:\n%s", strings.Join(args, " "), out)
	}
	ctx := context.Background()

	make("deploy", "DEPLOY_IMAGE=registry.example/spo:v1")
	var manager appsv1.Deployment
	if err := c.Get(ctx, client.ObjectKey{Namespace: operatorNamespace, Name: "spo-manager"}, &manager); err != nil {
		t.Fatalf("after make deploy: %v", err)
	}
	if got := manager.Spec.Template.Spec.Containers[0].Image; got != "registry.example/spo:v1" {
		t.Errorf("manager image = %q, want registry.example/spo:v1", got)
	}
	// The manager renders the daemon and the webhook server with the same
	// image: no DaemonSet or webhook Deployment is in the manifests.
	spoImage := ""
	for _, e := range manager.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "SPO_IMAGE" {
			spoImage = e.Value
		}
	}
	if spoImage != "registry.example/spo:v1" {
		t.Errorf("manager SPO_IMAGE = %q, want registry.example/spo:v1", spoImage)
	}
	// Applying again changes nothing and does not fail.
	make("deploy", "DEPLOY_IMAGE=registry.example/spo:v1")

	// An overlay with an SPOD, whose kind the same apply would install
	// (make deploy applies the CRDs first).
	make("deploy", "DEPLOY_OVERLAY=config/overlays/static-webhook")
	var spod v1.SecurityProfilesOperatorDaemon
	if err := c.Get(ctx, client.ObjectKey{Namespace: operatorNamespace, Name: v1.SPODName}, &spod); err != nil {
		t.Fatalf("after make deploy DEPLOY_OVERLAY=config/overlays/static-webhook: %v", err)
	}
	if !spod.Spec.Webhook.StaticConfig {
		t.Errorf("SPOD webhook.staticConfig = false")
	}

	// No namespace controller runs here, so the namespace would never go
	// away: do not wait for it.
	// What the manager rendered goes with the SPOD that owns it (and the
	// namespace); the manifests hold the manager itself.
	make("undeploy", "DEPLOY_OVERLAY=config/overlays/static-webhook", "UNDEPLOY_FLAGS=--wait=false")
	var after appsv1.Deployment
	err = c.Get(ctx, client.ObjectKey{Namespace: operatorNamespace, Name: "spo-manager"}, &after)
	if err == nil && after.DeletionTimestamp == nil {
		t.Errorf("spo-manager still there after make undeploy")
	} else if client.IgnoreNotFound(err) != nil {
		t.Error(err)
	}
}
