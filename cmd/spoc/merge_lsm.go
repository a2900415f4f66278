package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/apparmor"
	"github.com/secprofiles/spo/daemon/profilemerge"
	"github.com/secprofiles/spo/daemon/selinux"
)

// The LSM kinds merge with the operator's own unions (profilemerge), the
// ones the recorder extends recorded profiles with. What is not a rule
// (mode, SELinux inherit) must agree: the union would have to pick one,
// and either choice changes how one input's program is confined. state is
// left out of the result, as for SeccompProfiles: a merged profile is
// enabled.

var appArmorOps = kindOps[v1.AppArmorProfileSpec]{
	kind: kindAppArmorProfile,
	read: func(path string) (string, *v1.AppArmorProfileSpec, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return "", nil, err
		}
		p, err := readAppArmorProfile(data)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", path, err)
		}
		return p.Name, &p.Spec, nil
	},
	merge:    mergeAppArmor,
	validate: apparmor.Validate,
	gaps:     appArmorGaps,
}

func mergeAppArmor(in []named[v1.AppArmorProfileSpec]) (*v1.AppArmorProfileSpec, error) {
	first := in[0]
	out := &v1.AppArmorProfileSpec{Mode: first.spec.Mode}
	for _, s := range in {
		if appArmorMode(s.spec) != appArmorMode(first.spec) {
			return nil, fmt.Errorf("modes differ: %s is %s, %s is %s", first.file, appArmorMode(first.spec), s.file, appArmorMode(s.spec))
		}
		// Merging every input into an empty spec sorts and deduplicates the
		// first one's lists too.
		profilemerge.AppArmor(out, *s.spec)
	}
	return out, nil
}

// appArmorMode is mode with the CRD's default filled in.
func appArmorMode(s *v1.AppArmorProfileSpec) v1.AppArmorMode {
	if s.Mode == "" {
		return v1.AppArmorEnforce
	}
	return s.Mode
}

var selinuxOps = kindOps[v1.SelinuxProfileSpec]{
	kind: kindSelinuxProfile,
	read: func(path string) (string, *v1.SelinuxProfileSpec, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return "", nil, err
		}
		p, err := readSelinuxProfile(data)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", path, err)
		}
		return p.Name, &p.Spec, nil
	},
	merge:    mergeSelinux,
	validate: validateSelinux,
	gaps:     selinuxGaps,
}

func mergeSelinux(in []named[v1.SelinuxProfileSpec]) (*v1.SelinuxProfileSpec, error) {
	first := in[0]
	out := &v1.SelinuxProfileSpec{Inherit: slices.Clone(first.spec.Inherit), Mode: first.spec.Mode}
	for _, s := range in {
		if a, b := selinuxMode(first.spec), selinuxMode(s.spec); a != b {
			return nil, fmt.Errorf("modes differ: %s is %s, %s is %s", first.file, a, s.file, b)
		}
		if a, b := inheritNames(first.spec), inheritNames(s.spec); !slices.Equal(a, b) {
			return nil, fmt.Errorf("inherit lists differ: %s has [%s], %s has [%s]", first.file, strings.Join(a, " "), s.file, strings.Join(b, " "))
		}
		profilemerge.Selinux(out, *s.spec)
	}
	return out, nil
}

// validateSelinux checks the result as the daemon does: syntax, then the
// built-in denylist of dangerous permissions. spoc has no SPOD, so every
// System template the profile names is allowed, as in spoc convert.
func validateSelinux(name string, spec *v1.SelinuxProfileSpec) error {
	if err := selinux.Validate(name, spec); err != nil {
		return err
	}
	p := &v1.SelinuxProfile{Spec: *spec}
	return selinux.CheckPolicy(spec, selinux.Options{AllowedSystemProfiles: systemInherits(p)})
}

func selinuxMode(s *v1.SelinuxProfileSpec) v1.SelinuxMode {
	if s.Mode == "" {
		return v1.SelinuxEnforcing
	}
	return s.Mode
}

// inheritNames is the inherit list as sorted "Kind/name" with the CRD's
// defaults filled in: blockinherit order does not change the policy.
func inheritNames(s *v1.SelinuxProfileSpec) []string {
	refs := s.Inherit
	if len(refs) == 0 {
		refs = []v1.PolicyRef{{Name: selinux.DefaultSystemProfile}}
	}
	var out []string
	for _, r := range refs {
		kind := r.Kind
		if kind == "" {
			kind = v1.PolicyRefSystem
		}
		out = append(out, string(kind)+"/"+r.Name)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
