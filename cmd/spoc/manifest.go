package main

import (
	"errors"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/seccomp"
)

// newManifest wraps spec into a SeccompProfile called name.
func newManifest(name string, spec *v1.SeccompProfileSpec) *v1.SeccompProfile {
	p := &v1.SeccompProfile{Spec: *spec}
	p.APIVersion = v1.GroupVersion.String()
	p.Kind = kindSeccompProfile
	p.Name = name
	return p
}

// manifestOut is what spoc writes: only the fields a user would apply, so
// no "creationTimestamp: null" or empty status in the output.
type manifestOut struct {
	APIVersion string      `json:"apiVersion"`
	Kind       string      `json:"kind"`
	Metadata   metadataOut `json:"metadata"`
	Spec       any         `json:"spec"`
}

type metadataOut struct {
	Name string `json:"name"`
}

// marshalManifest writes p as YAML with keys sorted, so the same profile
// always gives the same bytes.
func marshalManifest(p *v1.SeccompProfile) ([]byte, error) {
	return marshalObject(p.Kind, p.Name, &p.Spec)
}

// marshalObject writes a v1 object of kind with only a name and spec.
func marshalObject(kind, name string, spec any) ([]byte, error) {
	if name == "" {
		return nil, errors.New("the profile needs a name: pass --name")
	}
	out := manifestOut{APIVersion: v1.GroupVersion.String(), Kind: kind, Metadata: metadataOut{Name: name}, Spec: spec}
	return yaml.Marshal(out)
}

// resolveStandalone folds in p's base profiles, which must be among bases
// (spoc has no cluster to fetch them from), and validates the result with
// this machine's libseccomp.
func resolveStandalone(p *v1.SeccompProfile, bases []*v1.SeccompProfile) (*v1.SeccompProfileSpec, error) {
	byName := map[string]*v1.SeccompProfile{}
	for _, b := range bases {
		byName[b.Name] = b
	}
	get := func(name string) (*v1.SeccompProfile, error) {
		if b := byName[name]; b != nil {
			return b, nil
		}
		return nil, fmt.Errorf("base profile %q is not among the files given; pass its manifest as an extra argument", name)
	}
	spec, err := seccomp.Resolve(p, get)
	if err != nil {
		return nil, err
	}
	if err := seccomp.Validate(spec); err != nil {
		return nil, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	return spec, nil
}

// writeOutput writes data to path, or to stdout when path is "" or "-".
func writeOutput(path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := os.Stdout.Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
