package rbac

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func readAll(r io.Reader) string {
	if r == nil {
		return ""
	}
	b, _ := io.ReadAll(r)
	return string(b)
}

// row is one `kubectl auth can-i` question and the answer the shipped
// roles must give.
type row struct {
	sa, verb, resource, name, ns string
	want                         bool
}

func (r row) String() string {
	target := r.resource
	if r.name != "" {
		target += "/" + r.name
	}
	where := "cluster-wide"
	if r.ns != "" {
		where = "in namespace " + r.ns
	}
	answer := map[bool]string{true: "may", false: "may not"}[r.want]
	return fmt.Sprintf("%s %s %s %s %s", r.sa, answer, r.verb, target, where)
}

// canI asks the API server through kubectl, as the row's service account.
func canI(t *testing.T, r row) bool {
	t.Helper()
	resource, sub, _ := strings.Cut(r.resource, "/")
	if r.name != "" {
		resource += "/" + r.name
	}
	args := []string{"auth", "can-i", "--as=system:serviceaccount:" + namespace + ":" + r.sa, r.verb, resource}
	if sub != "" {
		args = append(args, "--subresource="+sub)
	}
	switch {
	case r.name != "":
		// A named object: cluster-scoped in every row.
	case r.ns != "":
		args = append(args, "-n", r.ns)
	default:
		// Cluster-scoped, or for a namespaced resource: in every namespace.
		args = append(args, "--all-namespaces")
	}
	kubectl := env.ControlPlane.KubeCtl()
	kubectl.Path = filepath.Join(env.BinaryAssetsDirectory, "kubectl")
	stdout, stderr, _ := kubectl.Run(args...)
	out := strings.TrimSpace(readAll(stdout))
	switch {
	case strings.HasPrefix(out, "yes"):
		return true
	case strings.HasPrefix(out, "no"):
		return false
	}
	t.Fatalf("kubectl %s: %q %s", strings.Join(args, " "), out, readAll(stderr))
	return false
}

const mwc = "spo-mutating-webhook-configuration"

func matrix() []row {
	rows := []row{
		// The webhook: its own webhook configuration and spo's CRDs only.
		{"spo-webhook", "create", "mutatingwebhookconfigurations", mwc, "", true},
		{"spo-webhook", "patch", "mutatingwebhookconfigurations", mwc, "", true},
		{"spo-webhook", "get", "mutatingwebhookconfigurations", mwc, "", true},
		{"spo-webhook", "patch", "mutatingwebhookconfigurations", "another-vendors-webhooks", "", false},
		{"spo-webhook", "create", "mutatingwebhookconfigurations", "", "", false},
		{"spo-webhook", "update", "mutatingwebhookconfigurations", mwc, "", false},
		{"spo-webhook", "delete", "mutatingwebhookconfigurations", mwc, "", false},
		{"spo-webhook", "list", "mutatingwebhookconfigurations", "", "", false},
		{"spo-webhook", "patch", "validatingwebhookconfigurations", mwc, "", false},
		{"spo-webhook", "create", "validatingadmissionpolicies", "", "", false},
		{"spo-webhook", "list", "customresourcedefinitions", "", "", true},
		{"spo-webhook", "patch", "customresourcedefinitions", "foos.example.com", "", false},
		{"spo-webhook", "update", "customresourcedefinitions", "seccompprofiles.security-profiles-operator.x-k8s.io", "", false},
		{"spo-webhook", "delete", "customresourcedefinitions", "seccompprofiles.security-profiles-operator.x-k8s.io", "", false},
		{"spo-webhook", "create", "customresourcedefinitions", "", "", false},
		{"spo-webhook", "patch", "secrets", "", namespace, true},
		{"spo-webhook", "get", "secrets", "", "kube-system", false},
		{"spo-webhook", "create", "pods", "", "default", false},
		{"spo-webhook", "update", "seccompprofiles", "", "", false},
		{"spo-webhook", "*", "*", "", "", false},

		// The manager: workloads in its namespace only; profiles cluster-wide.
		{"spo-manager", "create", "daemonsets.apps", "", namespace, true},
		{"spo-manager", "patch", "deployments.apps", "", namespace, true},
		{"spo-manager", "create", "services", "", namespace, true},
		{"spo-manager", "create", "poddisruptionbudgets.policy", "", namespace, true},
		{"spo-manager", "create", "servicemonitors.monitoring.coreos.com", "", namespace, true},
		{"spo-manager", "update", "leases.coordination.k8s.io", "", namespace, true},
		{"spo-manager", "create", "securityprofilesoperatordaemons", "", namespace, true},
		{"spo-manager", "create", "daemonsets.apps", "", "default", false},
		{"spo-manager", "patch", "deployments.apps", "", "kube-system", false},
		{"spo-manager", "create", "services", "", "default", false},
		{"spo-manager", "create", "poddisruptionbudgets.policy", "", "tenant-a", false},
		{"spo-manager", "create", "servicemonitors.monitoring.coreos.com", "", "tenant-a", false},
		{"spo-manager", "update", "leases.coordination.k8s.io", "", "kube-system", false},
		{"spo-manager", "create", "securityprofilesoperatordaemons", "", "tenant-a", false},
		{"spo-manager", "list", "daemonsets.apps", "", "", false},
		{"spo-manager", "create", "pods", "", namespace, false},
		// Reads (never writes) Secrets of its namespace, to check the SPOD's
		// ociArtifactPullSecrets: it could mount any of them into a pod it
		// creates there anyway, so reading them adds no power.
		{"spo-manager", "get", "secrets", "", namespace, true},
		{"spo-manager", "patch", "secrets", "", namespace, false},
		{"spo-manager", "get", "secrets", "", "kube-system", false},
		{"spo-manager", "list", "secrets", "", "", false},
		{"spo-manager", "patch", "mutatingwebhookconfigurations", mwc, "", false},
		{"spo-manager", "patch", "seccompprofiles", "", "", true},
		{"spo-manager", "patch", "seccompprofiles/status", "", "", true},
		{"spo-manager", "delete", "securityprofilenodestatuses", "", "", true},
		{"spo-manager", "list", "nodes", "", "", true},
		// Patch, to set the selinuxd label (reconcilers/spod/selinuxd.go);
		// RBAC cannot narrow it to that label, the ValidatingAdmissionPolicy
		// spo-manager-node-label (config/policy-manager) does
		// (TestManagerChangesOnlyTheSelinuxdLabelOfNodes). Nothing else
		// that writes nodes.
		{"spo-manager", "patch", "nodes", "", "", true},
		{"spo-manager", "update", "nodes", "", "", false},
		{"spo-manager", "create", "nodes", "", "", false},
		{"spo-manager", "delete", "nodes", "", "", false},
		{"spo-manager", "patch", "nodes/status", "", "", false},

		// The daemon: spo's API only, never a profile's status; what RBAC
		// allows on profiles and node reports the policies narrow further
		// (policy_test.go).
		{"spo-daemon", "patch", "seccompprofiles", "", "", true},
		{"spo-daemon", "create", "securityprofilenodestatuses", "", "", true},
		{"spo-daemon", "delete", "securityprofilenodestatuses", "", "", true},
		{"spo-daemon", "patch", "securityprofilenodestatuses/status", "", "", true},
		{"spo-manager", "patch", "profilebindings", "", "", true},
		{"spo-manager", "patch", "profilerecordings", "", "", true},
		{"spo-daemon", "update", "seccompprofiles/status", "", "", false},
		{"spo-daemon", "delete", "seccompprofiles", "", "", false},
		{"spo-daemon", "update", "securityprofilesoperatordaemons", "", namespace, false},
		{"spo-daemon", "get", "secrets", "", namespace, false},
		{"spo-daemon", "create", "pods", "", namespace, false},
		{"spo-daemon", "patch", "nodes", "", "", false},
		{"spo-daemon", "get", "nodes", "", "", true},
		{"spo-daemon", "create", "daemonsets.apps", "", namespace, false},
	}
	// Every CRD spo ships, and nothing else: the list in the webhook's
	// marker must follow config/crd/bases.
	for _, crd := range ofKind("CustomResourceDefinition") {
		rows = append(rows, row{"spo-webhook", "patch", "customresourcedefinitions", crd.GetName(), "", true})
	}
	return rows
}

func TestServiceAccountMatrix(t *testing.T) {
	if n := len(ofKind("CustomResourceDefinition")); n == 0 {
		t.Fatal("config/default ships no CRDs")
	}
	for _, r := range matrix() {
		t.Run(r.String(), func(t *testing.T) {
			if got := canI(t, r); got != r.want {
				t.Errorf("row %q: kubectl auth can-i answered %v", r, got)
			}
		})
	}
}
