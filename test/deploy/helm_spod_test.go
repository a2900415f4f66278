package deploy

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/spod"
)

// spodValues sets every kind of SPOD value the chart takes, SPO-shaped.
const spodValues = `
namespace: spo-values
spod:
  verbosity: 3
  enableMemoryOptimization: true
  imagePullSecrets: [{name: registry}]
  daemonResourceRequirements: {limits: {memory: 256Mi}}
  selinux:
    enable: true
    enableRawSelinuxProfiles: false
    typeTag: spc_t
    customTemplatesConfigMap: flatcar-templates
    options: {allowedSystemProfiles: [net_container], deniedTypes: [shadow_t], allowedPermissions: [sys_module]}
  enricher:
    enableLogEnricher: true
    logEnricherSource: Bpf
    logEnricherFilters: '[{"priority":100,"level":"None","matchKeys":["namespace"],"matchValues":["kube-system"]}]'
    enableBpfRecorder: true
  webhook:
    options: [{name: binding.spo.io, failurePolicy: Ignore}]
`

// renderValues runs helm template with a values file.
func renderValues(t *testing.T, values string) []*unstructured.Unstructured {
	t.Helper()
	file := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(file, []byte(values), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(helm(t), "template", "spo", chartDir, "--include-crds", "-f", file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm template -f values: %v\n%s", err, stderr.String())
	}
	return decode(t, out)
}

// TestHelmSPODValues renders values.spod into the SPOD, checks that every
// value landed, that the API server accepts the SPOD and that the manager
// would render it (Invalid).
func TestHelmSPODValues(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	objs := renderValues(t, spodValues)
	var u *unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "SecurityProfilesOperatorDaemon" {
			u = o
		}
	}
	if u == nil {
		t.Fatal("no SecurityProfilesOperatorDaemon rendered")
	}
	got := typed(t, u, &v1.SecurityProfilesOperatorDaemon{})
	want := v1.SPODSpec{
		Verbosity:                  3,
		EnableMemoryOptimization:   true,
		ImagePullSecrets:           []corev1.LocalObjectReference{{Name: "registry"}},
		DaemonResourceRequirements: &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")}},
		Selinux: v1.SelinuxConfig{Enable: true, EnableRawSelinuxProfiles: ptr.To(false), TypeTag: "spc_t",
			CustomTemplatesConfigMap: "flatcar-templates",
			Options: &v1.SelinuxOptions{AllowedSystemProfiles: []string{"net_container"}, DeniedTypes: []string{"shadow_t"},
				AllowedPermissions: []string{"sys_module"}}},
		Enricher: v1.EnricherConfig{EnableLogEnricher: true, LogEnricherSource: "Bpf", EnableBpfRecorder: true,
			LogEnricherFilters: `[{"priority":100,"level":"None","matchKeys":["namespace"],"matchValues":["kube-system"]}]`},
		Webhook: v1.WebhookConfig{Options: []v1.WebhookOptions{{Name: "binding.spo.io", FailurePolicy: ptr.To(admissionregistrationv1.Ignore)}}},
	}
	if diff := cmp.Diff(want, got.Spec); diff != "" {
		t.Errorf("rendered SPOD spec (-want +got):\n%s", diff)
	}
	if s, ok := spod.Invalid(got.Spec); !ok {
		t.Errorf("the manager would not render the chart's SPOD: %+v", s)
	}
	installPrerequisites(ctx, t, objs)
	if err := k8s.Create(ctx, u.DeepCopy(), client.DryRunAll); err != nil {
		t.Errorf("dry-run create of the chart's SPOD: %v", err)
	}
}
