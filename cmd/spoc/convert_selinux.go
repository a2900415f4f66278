package main

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/selinux"
)

const (
	kindSelinuxProfile    = "SelinuxProfile"
	kindRawSelinuxProfile = "RawSelinuxProfile"
)

// convertSelinux turns a SelinuxProfile or RawSelinuxProfile manifest
// (YAML or JSON) into the CIL module the daemon hands selinuxd, byte for
// byte, so users can read it or load it by hand (semodule -i NAME.cil).
// bases are SelinuxProfile manifests the profile's inherit list names:
// spoc has no cluster to fetch them from. With no SPOD either, every
// System template the profiles name is allowed; the built-in denylist of
// dangerous permissions still applies. Unknown fields are errors: a
// misspelt field must not silently drop a rule.
func convertSelinux(data []byte, bases [][]byte) ([]byte, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(data, &tm); err != nil {
		return nil, fmt.Errorf("reading SELinux profile manifest: %w", err)
	}
	if gv := v1.GroupVersion.String(); tm.APIVersion != gv {
		return nil, fmt.Errorf("apiVersion is %q, want %s", tm.APIVersion, gv)
	}
	switch tm.Kind {
	case kindSelinuxProfile:
		return convertSelinuxProfile(data, bases)
	case kindRawSelinuxProfile:
		if len(bases) > 0 {
			return nil, fmt.Errorf("a %s inherits nothing by name: extra arguments are only for %s", kindRawSelinuxProfile, kindSelinuxProfile)
		}
		var p v1.RawSelinuxProfile
		if err := yaml.UnmarshalStrict(data, &p); err != nil {
			return nil, fmt.Errorf("reading %s manifest: %w", kindRawSelinuxProfile, err)
		}
		return wrapProfileErr(p.Name)(selinux.TranslateRaw(&p, selinux.Options{AllowedSystemProfiles: selinux.RawInherits(p.Spec.Policy)}))
	}
	return nil, fmt.Errorf("kind is %q, want %s or %s", tm.Kind, kindSelinuxProfile, kindRawSelinuxProfile)
}

func convertSelinuxProfile(data []byte, bases [][]byte) ([]byte, error) {
	p, err := readSelinuxProfile(data)
	if err != nil {
		return nil, err
	}
	byName := map[string]*v1.SelinuxProfile{}
	opts := selinux.Options{AllowedSystemProfiles: systemInherits(p)}
	for i, b := range bases {
		base, err := readSelinuxProfile(b)
		if err != nil {
			return nil, fmt.Errorf("base %d: %w", i+1, err)
		}
		byName[base.Name] = base
		opts.AllowedSystemProfiles = append(opts.AllowedSystemProfiles, systemInherits(base)...)
	}
	get := func(name string) (*v1.SelinuxProfile, error) {
		if b := byName[name]; b != nil {
			return b, nil
		}
		// NotFound makes the translator report InheritNotFound with the chain.
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: v1.GroupVersion.Group, Resource: "selinuxprofiles"}, name)
	}
	return wrapProfileErr(p.Name)(selinux.Translate(p, opts, get))
}

func readSelinuxProfile(data []byte) (*v1.SelinuxProfile, error) {
	var p v1.SelinuxProfile
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return nil, fmt.Errorf("reading %s manifest: %w", kindSelinuxProfile, err)
	}
	if p.Kind != kindSelinuxProfile {
		return nil, fmt.Errorf("kind is %q, want %s", p.Kind, kindSelinuxProfile)
	}
	return &p, nil
}

func systemInherits(p *v1.SelinuxProfile) []string {
	var names []string
	for _, ref := range p.Spec.Inherit {
		if ref.Kind != v1.PolicyRefSelinuxProfile {
			names = append(names, ref.Name)
		}
	}
	return names
}

// wrapProfileErr names the profile in a translation error.
func wrapProfileErr(name string) func([]byte, error) ([]byte, error) {
	return func(cil []byte, err error) ([]byte, error) {
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", name, err)
		}
		return cil, nil
	}
}
