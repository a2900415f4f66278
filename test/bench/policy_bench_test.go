package bench

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/secprofiles/spo/test/controlplane"
)

// BenchmarkPodAdmissionPolicies measures what config/policy (the
// admission policies on spo's recording profiles and annotations) adds to
// every pod creation in the cluster: a dry-run pod CREATE (three
// containers, one init container, annotations, no recording profile) on a
// real API server, first without the policies, then with them in force.
func BenchmarkPodAdmissionPolicies(b *testing.B) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	env, _ := startControlPlane(b, root)
	defer func() { _ = env.Stop() }()
	c, err := client.New(env.Config, client.Options{Scheme: controlplane.Scheme()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	const ns = "bench-policy"
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		b.Fatal(err)
	}
	pod := func() *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "web-", Namespace: ns,
			Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"team": "a", "owner": "b"}}}
		for _, name := range []string{"web", "side", "proxy"} {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: name, Image: "nginx",
				SecurityContext: &corev1.SecurityContext{SeccompProfile: &corev1.SeccompProfile{
					Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To("operator/web.json")}}})
		}
		p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox"}}
		return p
	}
	create := func(b *testing.B) {
		for b.Loop() {
			if err := c.Create(ctx, pod(), client.DryRunAll); err != nil {
				b.Fatal(err)
			}
		}
	}

	b.Run("without-policies", create)

	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(root, "config", "policy"))
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range res.Resources() {
		m, err := r.Map()
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Patch(ctx, &unstructured.Unstructured{Object: m}, client.Apply, client.FieldOwner("bench"), client.ForceOwnership); err != nil {
			b.Fatal(err)
		}
	}
	// In force once a pod-level recording profile is refused.
	refused := pod()
	refused.Spec.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{
		Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To("operator/log-enricher-trace.json")}}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		err := c.Create(ctx, refused.DeepCopy(), client.DryRunAll)
		if err != nil && strings.Contains(err.Error(), "spo reserves its recording profiles") {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("config/policy not in force after a minute (last: %v)", err)
		}
	}

	b.Run("with-policies", create)
}
