package integration

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var _ = Describe("config/default", func() {
	It("builds with kustomize and every object is accepted by the API server", func() {
		kubectl := filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
		out, err := exec.Command(kubectl, "kustomize", filepath.Join(root, "config", "default")).Output()
		Expect(err).NotTo(HaveOccurred(), "kubectl kustomize config/default")
		kinds := map[string]int{}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(out), 4096)
		for {
			u := &unstructured.Unstructured{}
			err := dec.Decode(&u.Object)
			if errors.Is(err, io.EOF) {
				break
			}
			Expect(err).NotTo(HaveOccurred())
			kinds[u.GetKind()]++
			err = k8s.Patch(context.Background(), u, client.Apply, client.FieldOwner("deploy-test"),
				client.ForceOwnership, client.DryRunAll)
			Expect(err).NotTo(HaveOccurred(), "%s %s", u.GetKind(), u.GetName())
		}
		Expect(kinds).To(Equal(map[string]int{
			"Namespace": 1, "CustomResourceDefinition": 8, "ServiceAccount": 3,
			"ClusterRole": 3, "ClusterRoleBinding": 3, "Deployment": 2, "DaemonSet": 1,
			"Service": 1, "PodDisruptionBudget": 1, "Role": 1, "RoleBinding": 1,
		}))
	})
})
