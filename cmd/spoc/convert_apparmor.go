package main

import (
	"fmt"

	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/apparmor"
)

const kindAppArmorProfile = "AppArmorProfile"

// convertAppArmor turns an AppArmorProfile manifest (YAML or JSON) into the
// policy text the daemon loads for it, byte for byte, so users can read,
// diff or load by hand (apparmor_parser -r) what the operator would load.
// Unknown fields are errors: a misspelt field must not silently drop a rule
// from a security profile. An empty mode is Enforce, the CRD's default.
func convertAppArmor(data []byte) ([]byte, error) {
	p, err := readAppArmorProfile(data)
	if err != nil {
		return nil, err
	}
	policy, err := apparmor.Translate(p)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	return policy, nil
}

// readAppArmorProfile parses a v1 AppArmorProfile manifest, refusing
// unknown fields.
func readAppArmorProfile(data []byte) (*v1.AppArmorProfile, error) {
	var p v1.AppArmorProfile
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return nil, fmt.Errorf("reading AppArmorProfile manifest: %w", err)
	}
	if p.Kind != kindAppArmorProfile {
		return nil, fmt.Errorf("kind is %q, want %s", p.Kind, kindAppArmorProfile)
	}
	if gv := v1.GroupVersion.String(); p.APIVersion != gv {
		return nil, fmt.Errorf("apiVersion is %q, want %s", p.APIVersion, gv)
	}
	return &p, nil
}
