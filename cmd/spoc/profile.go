package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/api/v1beta1"
	"github.com/secprofiles/spo/daemon/seccomp"
)

// format is how a profile file is written.
type format int

const (
	// formatManifest is a SeccompProfile object, YAML or JSON.
	formatManifest format = iota
	// formatOCI is the OCI runtime specification's seccomp section, the
	// file a container runtime (or the daemon) reads.
	formatOCI
)

func (f format) String() string {
	if f == formatOCI {
		return "OCI seccomp JSON"
	}
	return "SeccompProfile manifest"
}

const kindSeccompProfile = "SeccompProfile"

// detectFormat tells the two formats apart by their top-level keys: a
// manifest has kind (and apiVersion, spec); an OCI profile has defaultAction
// at the top. YAML is read as a superset of JSON, so either may be either.
func detectFormat(data []byte) (format, error) {
	var top map[string]json.RawMessage
	if err := yaml.Unmarshal(data, &top); err != nil {
		return 0, fmt.Errorf("neither YAML nor JSON: %w", err)
	}
	_, hasKind := top["kind"]
	_, hasSpec := top["spec"]
	_, hasDefault := top["defaultAction"]
	switch {
	case hasKind || hasSpec:
		return formatManifest, nil
	case hasDefault:
		return formatOCI, nil
	}
	return 0, errors.New("not a seccomp profile: expected a SeccompProfile manifest (kind, spec) or OCI seccomp JSON (defaultAction)")
}

// parseProfile reads either format into a SeccompProfile. An OCI profile has
// no name: it gets defaultName. Unknown fields are errors, so a misspelt
// field is not silently dropped from a security profile.
func parseProfile(data []byte, defaultName string) (*v1.SeccompProfile, format, error) {
	f, err := detectFormat(data)
	if err != nil {
		return nil, 0, err
	}
	if f == formatOCI {
		p, err := parseOCI(data, defaultName)
		return p, f, err
	}
	p, err := parseManifest(data)
	return p, f, err
}

// parseManifest reads a v1 SeccompProfile manifest, or a v1beta1 one (the
// version SPO's own examples use), converted to v1 as the API server would.
func parseManifest(data []byte) (*v1.SeccompProfile, error) {
	var meta metav1.TypeMeta
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("reading SeccompProfile manifest: %w", err)
	}
	if meta.Kind != kindSeccompProfile {
		return nil, fmt.Errorf("kind is %q, want %s", meta.Kind, kindSeccompProfile)
	}
	var p v1.SeccompProfile
	switch meta.APIVersion {
	case v1.GroupVersion.String():
		if err := yaml.UnmarshalStrict(data, &p); err != nil {
			return nil, fmt.Errorf("reading SeccompProfile manifest: %w", err)
		}
	case v1beta1.GroupVersion.String():
		var old v1beta1.SeccompProfile
		if err := yaml.UnmarshalStrict(data, &old); err != nil {
			return nil, fmt.Errorf("reading SeccompProfile manifest: %w", err)
		}
		if err := old.ConvertTo(&p); err != nil {
			return nil, err
		}
		p.TypeMeta = metav1.TypeMeta{APIVersion: v1.GroupVersion.String(), Kind: kindSeccompProfile}
	default:
		return nil, fmt.Errorf("apiVersion is %q, want %s or %s", meta.APIVersion, v1.GroupVersion, v1beta1.GroupVersion)
	}
	if p.Spec.DefaultAction == "" {
		return nil, errors.New("spec.defaultAction is required")
	}
	return &p, nil
}

func parseOCI(data []byte, name string) (*v1.SeccompProfile, error) {
	jsonData, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("reading OCI seccomp profile: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(jsonData))
	dec.DisallowUnknownFields()
	var s specs.LinuxSeccomp
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("reading OCI seccomp profile: %w", err)
	}
	spec, err := seccomp.FromOCI(&s)
	if err != nil {
		return nil, err
	}
	return newManifest(name, spec), nil
}

// readProfile reads a profile file of either format; an OCI profile is named
// after the file.
func readProfile(path string) (*v1.SeccompProfile, format, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	p, f, err := parseProfile(data, nameFromPath(path))
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return p, f, nil
}

var notNameChars = regexp.MustCompile(`[^a-z0-9.-]+`)

// nameFromPath derives an object name from a file name ("My_Profile.yaml"
// gives "my-profile"), which must be a DNS subdomain.
func nameFromPath(path string) string {
	base := filepath.Base(path)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	name := notNameChars.ReplaceAllString(strings.ToLower(base), "-")
	return strings.Trim(name, "-.")
}
