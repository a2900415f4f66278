package deploy

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/secprofiles/spo/test/controlplane"
)

// helm returns the helm binary: $SPO_HELM, or the one hack/helm.sh builds
// from the Go module proxy and caches (a few minutes the first time).
func helm(t *testing.T) string {
	t.Helper()
	if h := os.Getenv("SPO_HELM"); h != "" {
		return h
	}
	cmd := exec.Command(filepath.Join(controlplane.Root(), "hack", "helm.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hack/helm.sh: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// chartDir is the chart in the source tree.
var chartDir = filepath.Join(controlplane.Root(), "config", "helm", "spo")

// render runs helm template on config/helm/spo with the CRDs and the given
// --set values.
func render(t *testing.T, set ...string) []*unstructured.Unstructured {
	t.Helper()
	return renderChart(t, chartDir, set...)
}

// renderChart is render for a chart directory or archive.
func renderChart(t *testing.T, chart string, set ...string) []*unstructured.Unstructured {
	t.Helper()
	args := []string{"template", "spo", chart, "--include-crds"}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	cmd := exec.Command(helm(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return decode(t, out)
}

// helmLabels are the labels a chart conventionally adds; they are not part
// of what the objects do.
var helmLabels = []string{"helm.sh/chart", "app.kubernetes.io/managed-by", "app.kubernetes.io/instance", "app.kubernetes.io/version"}

// byKey indexes objects by kind, namespace and name, without the labels
// helm adds.
func byKey(objs []*unstructured.Unstructured) map[string]map[string]any {
	m := map[string]map[string]any{}
	for _, o := range objs {
		o = o.DeepCopy()
		labels := o.GetLabels()
		for _, l := range helmLabels {
			delete(labels, l)
		}
		if len(labels) == 0 {
			unstructured.RemoveNestedField(o.Object, "metadata", "labels")
		} else {
			o.SetLabels(labels)
		}
		m[o.GetKind()+" "+o.GetNamespace()+"/"+o.GetName()] = o.Object
	}
	return m
}

func TestHelmLint(t *testing.T) {
	out, err := exec.Command(helm(t), "lint", "--strict", chartDir).CombinedOutput()
	if err != nil {
		t.Fatalf("helm lint --strict: %v\n%s", err, out)
	}
}

// TestHelmPackage checks that the packaged chart carries the CRDs and
// generated roles the source tree links to.
func TestHelmPackage(t *testing.T) {
	dir := t.TempDir()
	out, err := exec.Command(helm(t), "package", chartDir, "--destination", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("helm package: %v\n%s", err, out)
	}
	archives, err := filepath.Glob(filepath.Join(dir, "spo-*.tgz"))
	if err != nil || len(archives) != 1 {
		t.Fatalf("helm package made %v (%v)", archives, err)
	}
	if diff := cmp.Diff(byKey(build(t, "default")), byKey(renderChart(t, archives[0]))); diff != "" {
		t.Errorf("the packaged chart differs from config/default (-kustomize +helm):\n%s", diff)
	}
}

// TestHelmMatchesOverlays renders the chart with the values that
// correspond to each overlay and compares the objects.
func TestHelmMatchesOverlays(t *testing.T) {
	for _, tc := range []struct {
		overlay string
		set     []string
	}{
		{"default", nil},
		{"overlays/namespaced", []string{"restrictNamespace=my-apps"}},
		{"overlays/static-webhook", []string{"webhook.staticConfig=true"}},
	} {
		t.Run(tc.overlay, func(t *testing.T) {
			want := byKey(build(t, tc.overlay))
			got := byKey(render(t, tc.set...))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("helm template %v differs from config/%s (-kustomize +helm):\n%s", tc.set, tc.overlay, diff)
			}
		})
	}
}

// TestHelmOptionsDryRun renders the chart with every option changed and
// has the API server accept the objects.
func TestHelmOptionsDryRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	objs := render(t, "namespace=spo-system", "image=registry.example/spo:v1", "imagePullPolicy=IfNotPresent",
		"manager.replicas=2", "webhook.staticConfig=true", "restrictNamespace=my-apps",
		"metricsClient.serviceAccount=scraper", "metricsClient.namespace=observability")
	checkManagerImage(t, "helm template", objs, "registry.example/spo:v1")
	installPrerequisites(ctx, t, objs)
	seen := map[string]bool{}
	for _, o := range objs {
		seen[o.GetKind()] = true
		if prerequisite(o) {
			continue
		}
		if ns := o.GetNamespace(); ns != "" && ns != "spo-system" {
			t.Errorf("%s %s in namespace %s, want spo-system", o.GetKind(), o.GetName(), ns)
		}
		if err := k8s.Create(ctx, o.DeepCopy(), client.DryRunAll); err != nil {
			t.Errorf("dry-run create %s %s/%s: %v", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
	}
	for _, k := range []string{"Namespace", "SecurityProfilesOperatorDaemon", "MutatingWebhookConfiguration", "Role"} {
		if !seen[k] {
			t.Errorf("no %s rendered", k)
		}
	}
}
