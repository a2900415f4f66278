package selinux

import (
	"fmt"
	"maps"
	"regexp"
	"slices"

	v1 "github.com/secprofiles/spo/api/v1"
)

// SelfType is the allow key that stands for the profile's own type.
const SelfType = "@self"

var (
	// blockName is what a profile's name must look like to be a CIL block:
	// CIL names start with a letter and may not contain '.', the namespace
	// separator (secilc: "Invalid character", "First character ... is not a
	// letter"). Kubernetes names are lowercase, hence no upper case here.
	blockName = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	// identifier matches SELinux types, classes and permissions, as the
	// CRD's patterns for spec.allow do.
	identifier = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// ValidateName checks that name can be the CIL block a profile is
// installed as.
func ValidateName(name string) error {
	if len(name) > 253 || !blockName.MatchString(name) {
		return newError(ReasonInvalidName, "metadata.name",
			fmt.Sprintf("%q cannot name an SELinux module: it must start with a letter and hold only lower-case letters, digits, '-' and '_' (CIL names may not contain '.')", name))
	}
	return nil
}

// Validate checks the syntax of a SelinuxProfile: its name, its inherit
// entries and every type, class and permission in spec.allow. The CRD
// checks most of this already; the daemon checks again because spoc and
// older stored objects bypass the API server's validation.
func Validate(name string, spec *v1.SelinuxProfileSpec) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	for i, ref := range spec.Inherit {
		if err := validateInherit(i, ref); err != nil {
			return err
		}
	}
	return validateAllow(spec.Allow)
}

func validateInherit(i int, ref v1.PolicyRef) error {
	field := fmt.Sprintf("spec.inherit[%d]", i)
	switch ref.Kind {
	case "", v1.PolicyRefSystem, v1.PolicyRefSelinuxProfile:
	default:
		return newError(ReasonInvalidInherit, field+".kind",
			fmt.Sprintf("kind %q is neither System nor SelinuxProfile", ref.Kind))
	}
	if !blockName.MatchString(ref.Name) {
		return newError(ReasonInvalidInherit, field+".name",
			fmt.Sprintf("%q is not the name of a CIL block", ref.Name))
	}
	return nil
}

func validateAllow(allow map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet) error {
	for _, typ := range slices.Sorted(maps.Keys(allow)) {
		field := "spec.allow." + string(typ)
		if typ != SelfType && !identifier.MatchString(string(typ)) {
			return newError(ReasonInvalidAllow, field,
				fmt.Sprintf("%q is not an SELinux type (nor %s)", typ, SelfType))
		}
		classes := allow[typ]
		for _, class := range slices.Sorted(maps.Keys(classes)) {
			if err := validateClass(field+"."+string(class), string(class), classes[class]); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateClass(field, class string, perms v1.PermissionSet) error {
	if !identifier.MatchString(class) {
		return newError(ReasonInvalidAllow, field, fmt.Sprintf("%q is not an SELinux object class", class))
	}
	if len(perms) == 0 {
		// "(class ())" does not compile; say so here rather than let
		// selinuxd fail with a CIL parse error.
		return newError(ReasonInvalidAllow, field, "no permissions listed")
	}
	for i, perm := range perms {
		if !identifier.MatchString(perm) {
			return newError(ReasonInvalidAllow, fmt.Sprintf("%s[%d]", field, i),
				fmt.Sprintf("%q is not an SELinux permission", perm))
		}
	}
	return nil
}
