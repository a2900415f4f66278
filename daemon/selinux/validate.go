package selinux

import (
	"fmt"
	"slices"
	"strings"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/selinux/policies"
)

// SelfType is the allow key that stands for the profile's own type.
const SelfType = "@self"

// isBlockName says whether name can be a CIL block: CIL names start with
// a letter and may not contain '.', the namespace separator (secilc:
// "Invalid character", "First character ... is not a letter").
// Kubernetes names are lowercase, hence no upper case here.
func isBlockName(name string) bool { return isName(name, "-_") }

// isIdentifier matches SELinux types, classes and permissions as the
// CRD's patterns for spec.allow do: ^[a-z][a-z0-9_]*$.
func isIdentifier(s string) bool { return isName(s, "_") }

// isName is ^[a-z][a-z0-9<extra>]*$, by hand: this runs for every allow
// entry, and a regexp costs ten times as much.
func isName(s, extra string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && strings.IndexByte(extra, c) < 0 {
			return false
		}
	}
	return true
}

// ValidateName checks that name can be the CIL block a profile is
// installed as.
func ValidateName(name string) error {
	if len(name) > 253 || !isBlockName(name) {
		return newError(ReasonInvalidName, "metadata.name",
			fmt.Sprintf("%q cannot name an SELinux module: it must start with a letter and hold only lower-case letters, digits, '-' and '_' (CIL names may not contain '.')", name))
	}
	if policies.Reserved(name) {
		return newError(ReasonInvalidName, "metadata.name",
			fmt.Sprintf("%q is the name of a module spo installs on every node (a container template or the recording domain): a profile of that name would replace it", name))
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
	if err := validateInherits(spec); err != nil {
		return err
	}
	return validateAllow(sortedRules(spec.Allow))
}

func validateInherits(spec *v1.SelinuxProfileSpec) error {
	for i, ref := range spec.Inherit {
		if err := validateInherit(i, ref); err != nil {
			return err
		}
	}
	return nil
}

func validateInherit(i int, ref v1.PolicyRef) error {
	field := fmt.Sprintf("spec.inherit[%d]", i)
	switch ref.Kind {
	case "", v1.PolicyRefSystem, v1.PolicyRefSelinuxProfile:
	default:
		return newError(ReasonInvalidInherit, field+".kind",
			fmt.Sprintf("kind %q is neither System nor SelinuxProfile", ref.Kind))
	}
	if !isBlockName(ref.Name) {
		return newError(ReasonInvalidInherit, field+".name",
			fmt.Sprintf("%q is not the name of a CIL block", ref.Name))
	}
	return nil
}

// rule is one (type, class) entry of spec.allow.
type rule struct {
	typ   v1.LabelKey
	class v1.ObjectClassKey
	perms v1.PermissionSet
}

// field is the rule's path in the object, built only for error messages.
func (r rule) field() string { return "spec.allow." + string(r.typ) + "." + string(r.class) }

// sortedRules flattens spec.allow in (type, class) order, so that checks
// report the same first error every time and Render writes the same bytes.
func sortedRules(allow map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet) []rule {
	n := 0
	for _, classes := range allow {
		n += len(classes)
	}
	rules := make([]rule, 0, n)
	for typ, classes := range allow {
		for class, perms := range classes {
			rules = append(rules, rule{typ, class, perms})
		}
	}
	slices.SortFunc(rules, func(a, b rule) int {
		if c := strings.Compare(string(a.typ), string(b.typ)); c != 0 {
			return c
		}
		return strings.Compare(string(a.class), string(b.class))
	})
	return rules
}

func validateAllow(rules []rule) error {
	for _, r := range rules {
		if r.typ != SelfType && !isIdentifier(string(r.typ)) {
			return newError(ReasonInvalidAllow, "spec.allow."+string(r.typ),
				fmt.Sprintf("%q is not an SELinux type (nor %s)", r.typ, SelfType))
		}
		if !isIdentifier(string(r.class)) {
			return newError(ReasonInvalidAllow, r.field(), fmt.Sprintf("%q is not an SELinux object class", r.class))
		}
		if len(r.perms) == 0 {
			// "(class ())" does not compile; say so here rather than let
			// selinuxd fail with a CIL parse error.
			return newError(ReasonInvalidAllow, r.field(), "no permissions listed")
		}
		for i, perm := range r.perms {
			if !isIdentifier(perm) {
				return newError(ReasonInvalidAllow, fmt.Sprintf("%s[%d]", r.field(), i),
					fmt.Sprintf("%q is not an SELinux permission", perm))
			}
		}
	}
	return nil
}
