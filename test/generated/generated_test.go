// Package generated fails when the committed CRDs, RBAC, deepcopy code or
// configuration reference (docs/configuration.md) no longer match the
// +kubebuilder markers and doc comments they are generated from: someone
// changed a marker or a type and forgot `make manifests generate`. It also
// checks what users see of the API: `kubectl explain` descriptions, short
// names and printer columns, and the troubleshooting guide.
package generated

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestGeneratedFilesAreUpToDate(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	gen := os.Getenv("CONTROLLER_GEN")
	if gen == "" {
		gen = filepath.Join(root, "bin", "controller-gen")
	}
	if _, err := os.Stat(gen); err != nil {
		t.Fatalf("controller-gen not found at %s: run `make tools` (make test does)", gen)
	}
	// Generate into a copy of the sources, then compare with the checkout.
	copyDir := t.TempDir()
	copyTree(t, root, copyDir)
	for _, what := range []string{"manifests", "objects"} {
		cmd := exec.Command(filepath.Join(root, "hack", "generate.sh"), what, copyDir)
		cmd.Env = append(os.Environ(), "CONTROLLER_GEN="+gen)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("hack/generate.sh %s: %v\n%s", what, err, out)
		}
	}
	for _, dir := range []string{"config/crd/bases", "config/rbac/manager", "config/rbac/daemon", "config/rbac/webhook", "api"} {
		compareTrees(t, filepath.Join(root, dir), filepath.Join(copyDir, dir), dir)
	}
	// hack/docs writes it from the SPOD CRD in the objects step.
	const reference = "docs/configuration.md"
	want, _ := os.ReadFile(filepath.Join(copyDir, reference))
	got, err := os.ReadFile(filepath.Join(root, reference))
	if err != nil || len(want) == 0 || !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run `make manifests generate` and commit the result", reference)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() && (rel == ".git" || rel == "bin" || strings.HasPrefix(rel, ".demo")) {
			return filepath.SkipDir
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func compareTrees(t *testing.T, committed, generated, name string) {
	t.Helper()
	err := filepath.WalkDir(generated, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(generated, p)
		want, _ := os.ReadFile(p)
		got, readErr := os.ReadFile(filepath.Join(committed, rel))
		if readErr != nil || !bytes.Equal(got, want) {
			t.Errorf("%s/%s is stale: run `make manifests generate` and commit the result", name, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
