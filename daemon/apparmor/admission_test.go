package apparmor

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/test/controlplane"
)

// TestAdmissionRefusesRuntimeProfileNames runs the generated CRD in a real
// API server: every name in RuntimeProfiles is refused at admission with a
// message naming metadata.name, and an ordinary name is accepted.
func TestAdmissionRefusesRuntimeProfileNames(t *testing.T) {
	env, err := controlplane.New()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	k8s, err := client.New(cfg, client.Options{Scheme: controlplane.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range RuntimeProfiles {
		err := k8s.Create(ctx, &v1.AppArmorProfile{ObjectMeta: metav1.ObjectMeta{Name: name}})
		if err == nil || !strings.Contains(err.Error(), "metadata.name: docker-default, crio-default") {
			t.Errorf("creating AppArmorProfile %s: %v; want a refusal naming metadata.name", name, err)
		}
	}
	if err := k8s.Create(ctx, &v1.AppArmorProfile{ObjectMeta: metav1.ObjectMeta{Name: "docker-default-web"}}); err != nil {
		t.Errorf("creating AppArmorProfile docker-default-web: %v", err)
	}
}
