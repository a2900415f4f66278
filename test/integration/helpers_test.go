package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"
)

// readManifests decodes every object of a (multi-document) YAML file.
func readManifests(path string) []*unstructured.Unstructured {
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		err := dec.Decode(&u.Object)
		if errors.Is(err, io.EOF) {
			return objs
		}
		Expect(err).NotTo(HaveOccurred(), path)
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

// apply creates the objects of a manifest, or updates them when they exist.
func apply(ctx context.Context, path string) []*unstructured.Unstructured {
	objs := readManifests(path)
	for _, o := range objs {
		err := k8s.Patch(ctx, o, client.Apply, client.FieldOwner("integration-test"), client.ForceOwnership)
		Expect(err).NotTo(HaveOccurred(), "applying %s", path)
	}
	return objs
}

func example(name string) string { return filepath.Join(root, "examples", name) }

// fileOn returns the content of a profile file on a node, or "" if absent.
func fileOn(node, profile string) string {
	data, err := os.ReadFile(seccompPath(node, profile))
	if os.IsNotExist(err) {
		return ""
	}
	Expect(err).NotTo(HaveOccurred())
	return string(data)
}

func seccompPath(node, profile string) string {
	return filepath.Join(nodeDirs[node], "seccomp", "operator", profile+".json")
}

func golden(name string) string {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	Expect(err).NotTo(HaveOccurred())
	return string(data)
}

func getSeccomp(ctx context.Context, name string) func() (*v1.SeccompProfile, error) {
	return func() (*v1.SeccompProfile, error) {
		p := &v1.SeccompProfile{}
		err := k8s.Get(ctx, client.ObjectKey{Name: name}, p)
		return p, err
	}
}

func seccompState(ctx context.Context, name string) func() v1.ProfileState {
	return func() v1.ProfileState {
		p, err := getSeccomp(ctx, name)()
		if err != nil {
			return ""
		}
		return p.Status.Status
	}
}

func nodeStatus(ctx context.Context, profile, node string) func() (*v1.SecurityProfileNodeStatus, error) {
	return nodeStatusOf(ctx, "SeccompProfile", profile, node)
}

func nodeStatusOf(ctx context.Context, kind, profile, node string) func() (*v1.SecurityProfileNodeStatus, error) {
	return func() (*v1.SecurityProfileNodeStatus, error) {
		ns := &v1.SecurityProfileNodeStatus{}
		err := k8s.Get(ctx, client.ObjectKey{Name: v1.NodeStatusName(kind, profile, node)}, ns)
		return ns, err
	}
}

func nodes() []string { return []string{"node-a", "node-b"} }

// filesIn lists every file under each node's seccomp directory.
func filesIn() []string {
	var files []string
	for _, dir := range nodeDirs {
		matches, err := filepath.Glob(filepath.Join(dir, "seccomp", "operator", "*"))
		Expect(err).NotTo(HaveOccurred())
		files = append(files, matches...)
	}
	return files
}

func yamlUnmarshal(s string, into *map[string]any) error {
	return yaml.Unmarshal([]byte(s), into)
}

func metaName(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name} }

// MatchJSONOf compares two values by their JSON, so numbers decoded as
// float64 from YAML and as int64 from the API server compare equal.
func MatchJSONOf(want any) types.GomegaMatcher {
	data, err := json.Marshal(want)
	Expect(err).NotTo(HaveOccurred())
	return WithTransform(func(got any) string {
		out, err := json.Marshal(got)
		Expect(err).NotTo(HaveOccurred())
		return string(out)
	}, MatchJSON(data))
}

// filesFor lists the files on any node for the named profiles.
func filesFor(profiles ...string) []string {
	var files []string
	for _, f := range filesIn() {
		for _, p := range profiles {
			if filepath.Base(f) == p+".json" {
				files = append(files, f)
			}
		}
	}
	return files
}
