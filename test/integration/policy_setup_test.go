package integration

import (
	"context"
	"path/filepath"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// installPolicies applies config/policy as a deploy does (config/default
// includes it; `kubectl apply --server-side -k`): kustomize builds it and
// every object is applied server-side. The whole suite runs under these
// admission policies, as a cluster with spo does.
func installPolicies(ctx context.Context) {
	dir := filepath.Join(root, "config", "policy")
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	Expect(err).NotTo(HaveOccurred(), "kustomize build config/policy")
	for _, r := range res.Resources() {
		m, err := r.Map()
		Expect(err).NotTo(HaveOccurred())
		o := &unstructured.Unstructured{Object: m}
		Expect(k8s.Patch(ctx, o, client.Apply, client.FieldOwner("integration-test"), client.ForceOwnership)).
			To(Succeed(), "applying %s %s", o.GetKind(), o.GetName())
	}
}
