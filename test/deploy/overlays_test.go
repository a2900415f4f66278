package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/secprofiles/spo/test/controlplane"
)

// overlays are the kustomizations a user applies, relative to config/.
var overlays = []string{"default", "overlays/namespaced", "overlays/static-webhook"}

var (
	env *envtest.Environment
	cfg *rest.Config
	k8s client.Client
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctrllog.SetLogger(logr.Discard())
	var err error
	if env, err = controlplane.New(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The CRDs come from the overlays themselves: they are created for
	// real before the objects that need them.
	env.CRDDirectoryPaths, env.ErrorIfCRDPathMissing = nil, false
	cfg, err = env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	if k8s, err = client.New(cfg, client.Options{Scheme: controlplane.Scheme()}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// build runs kustomize on config/<dir> as `kubectl kustomize` does.
func build(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resources, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(controlplane.Root(), "config", dir))
	if err != nil {
		t.Fatalf("kustomize build config/%s: %v", dir, err)
	}
	out, err := resources.AsYaml()
	if err != nil {
		t.Fatalf("kustomize build config/%s: %v", dir, err)
	}
	return decode(t, out)
}

// decode splits a multi-document YAML stream into objects, skipping empty
// documents.
func decode(t *testing.T, data []byte) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		err := dec.Decode(&u.Object)
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			t.Fatalf("decoding: %v", err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

func kinds(objs []*unstructured.Unstructured) map[string]int {
	m := map[string]int{}
	for _, o := range objs {
		m[o.GetKind()]++
	}
	return m
}

func TestOverlaysBuild(t *testing.T) {
	// The manager Deployment is the only workload shipped: the manager
	// renders the DaemonSet and the webhook server's Deployment, Service
	// and PodDisruptionBudget from the SPOD.
	base := map[string]int{
		"Namespace": 1, "CustomResourceDefinition": 8, "ServiceAccount": 3,
		"ClusterRole": 4, "ClusterRoleBinding": 4, "Deployment": 1,
		"Role": 2, "RoleBinding": 2,
		// config/policy-daemon (2), config/policy-manager (1) and
		// config/policy (1 validating, 1 mutating): the API server checks
		// what RBAC cannot say.
		"MutatingAdmissionPolicy": 1, "MutatingAdmissionPolicyBinding": 1,
		"ValidatingAdmissionPolicy": 4, "ValidatingAdmissionPolicyBinding": 4,
	}
	with := func(extra map[string]int) map[string]int {
		m := map[string]int{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] += v
		}
		return m
	}
	want := map[string]map[string]int{
		"default":                 base,
		"overlays/namespaced":     with(map[string]int{"SecurityProfilesOperatorDaemon": 1}),
		"overlays/static-webhook": with(map[string]int{"SecurityProfilesOperatorDaemon": 1, "MutatingWebhookConfiguration": 1}),
	}
	for _, dir := range overlays {
		objs := build(t, dir)
		if got := kinds(objs); fmt.Sprint(got) != fmt.Sprint(want[dir]) {
			t.Errorf("config/%s kinds = %v, want %v", dir, got, want[dir])
		}
		for _, o := range objs {
			if o.GetKind() == "Deployment" && o.GetName() != "spo-manager" {
				t.Errorf("config/%s ships Deployment %s: the manager renders it", dir, o.GetName())
			}
		}
	}
}

// TestOverlaysManagerImage sets the image as the README says (kustomize
// edit set image spo=..., in the directory applied) and checks that the
// manager passes that image on to what it renders (SPO_IMAGE).
func TestOverlaysManagerImage(t *testing.T) {
	const image = "registry.example/spo:v1"
	for _, dir := range overlays {
		fs := filesys.MakeFsInMemory()
		root := filepath.Join(controlplane.Root(), "config")
		err := filepath.WalkDir(root, func(path string, d iofs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && path == filepath.Join(root, "helm"):
				return filepath.SkipDir // symlinks, and no kustomization
			case d.IsDir():
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return fs.WriteFile(path, data)
		})
		if err != nil {
			t.Fatal(err)
		}
		k := filepath.Join(root, dir, "kustomization.yaml")
		data, err := fs.ReadFile(k)
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, "images:\n  - {name: spo, newName: registry.example/spo, newTag: v1}\n"...)
		if err := fs.WriteFile(k, data); err != nil {
			t.Fatal(err)
		}
		resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, filepath.Join(root, dir))
		if err != nil {
			t.Fatalf("kustomize build config/%s with images: %v", dir, err)
		}
		out, err := resources.AsYaml()
		if err != nil {
			t.Fatal(err)
		}
		checkManagerImage(t, "config/"+dir, decode(t, out), image)
	}
}

// checkManagerImage checks that the manager runs image and hands it to the
// node daemon and the webhook server.
func checkManagerImage(t *testing.T, what string, objs []*unstructured.Unstructured, image string) {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() != "Deployment" || o.GetName() != "spo-manager" {
			continue
		}
		d := typed(t, o, &appsv1.Deployment{})
		c := d.Spec.Template.Spec.Containers[0]
		if c.Image != image {
			t.Errorf("%s: manager image = %q, want %q", what, c.Image, image)
		}
		env := ""
		for _, e := range c.Env {
			if e.Name == "SPO_IMAGE" {
				env = e.Value
			}
		}
		if env != image {
			t.Errorf("%s: manager SPO_IMAGE = %q, want %q", what, env, image)
		}
		return
	}
	t.Errorf("%s: no Deployment spo-manager", what)
}

// TestOverlaysDryRun creates each overlay's namespaces and CRDs for real
// and every other object with a server-side dry-run create: the API server
// validates them (schemas, defaulting, admission) without storing them.
func TestOverlaysDryRun(t *testing.T) {
	for _, dir := range overlays {
		t.Run(dir, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			objs := build(t, dir)
			installPrerequisites(ctx, t, objs)
			for _, o := range objs {
				if prerequisite(o) {
					continue
				}
				if err := k8s.Create(ctx, o.DeepCopy(), client.DryRunAll); err != nil {
					t.Errorf("config/%s: dry-run create %s %s/%s: %v", dir, o.GetKind(), o.GetNamespace(), o.GetName(), err)
				}
			}
		})
	}
}

// prerequisite says whether o is created for real before the others: the
// others live in it or are of its kind.
func prerequisite(o *unstructured.Unstructured) bool {
	return o.GetKind() == "Namespace" || o.GetKind() == "CustomResourceDefinition"
}

// installPrerequisites creates the namespaces and CRDs of objs (the first
// overlay does, the others find them) and waits until the CRDs serve. An
// existing one is checked with a dry-run server-side apply instead.
func installPrerequisites(ctx context.Context, t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	for _, o := range objs {
		if !prerequisite(o) {
			continue
		}
		err := k8s.Create(ctx, o.DeepCopy())
		if apierrors.IsAlreadyExists(err) {
			err = k8s.Patch(ctx, o.DeepCopy(), client.Apply, client.FieldOwner("deploy-test"), client.ForceOwnership, client.DryRunAll)
		}
		if err != nil {
			t.Fatalf("creating %s %s: %v", o.GetKind(), o.GetName(), err)
		}
	}
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" {
			continue
		}
		for {
			crd := &apiextensionsv1.CustomResourceDefinition{}
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(o), crd); err != nil {
				t.Fatalf("reading CRD %s: %v", o.GetName(), err)
			}
			if established(crd) {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("CRD %s not established", o.GetName())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

func established(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			return true
		}
	}
	return false
}

// typed converts o to a typed object of the test scheme.
func typed[T runtime.Object](t *testing.T, o *unstructured.Unstructured, into T) T {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, into); err != nil {
		t.Fatalf("converting %s %s: %v", o.GetKind(), o.GetName(), err)
	}
	return into
}
