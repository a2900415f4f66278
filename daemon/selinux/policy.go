package selinux

import (
	"fmt"
	"maps"
	"slices"

	v1 "github.com/secprofiles/spo/api/v1"
)

// DefaultSystemProfile is the template profiles inherit when they name
// none, and the one System template always allowed: container-selinux's
// "container", the type every container runs as anyway.
const DefaultSystemProfile = "container"

// allPerms is CIL's keyword for every permission of a class; it would
// smuggle in whatever the denylist refuses.
const allPerms = "all"

// dangerous lists, per object class, permissions no SelinuxProfile may
// grant, whatever the SPOD says, because each one lets a container undo
// SELinux itself or run code in the kernel, so the profile would confine
// nothing. A nil set means every permission of the class.
var dangerous = map[string]map[string]string{
	"security": {
		// Replacing or reading out the loaded policy, switching to
		// permissive, flipping booleans, tuning the access vector cache or
		// checkreqprot: each changes the rules for every process.
		"load_policy":     "replaces the node's whole SELinux policy",
		"setenforce":      "switches the node to permissive mode",
		"setbool":         "changes policy booleans for every process",
		"setsecparam":     "tunes the access vector cache for every process",
		"setcheckreqprot": "weakens mmap/mprotect checks for every process",
	},
	"capability": {
		// CAP_SYS_MODULE loads kernel code, which SELinux cannot confine.
		"sys_module": "loads kernel modules, code SELinux cannot confine",
	},
	"capability2": {
		"mac_admin":    "changes MAC policy and labels outside the policy's rules",
		"mac_override": "overrides mandatory access control",
	},
	"system": {
		"module_load": "loads kernel modules, code SELinux cannot confine",
	},
	"process": {
		// setcurrent + dyntransition let a process switch its own domain at
		// runtime (setcon), leaving the profile's type behind; exec-time
		// "transition" stays allowed since the target's entrypoint rules
		// still govern it.
		"setcurrent":    "lets the process change its own SELinux context",
		"dyntransition": "lets the process switch to another domain without exec",
	},
	// kernel_service lets a process have the kernel act with another
	// context (use_as_override, create_files_as): borrowed privilege.
	"kernel_service": nil,
}

// Options are the cluster's limits on SelinuxProfiles, from the SPOD.
type Options struct {
	// AllowedSystemProfiles are the System templates profiles may inherit
	// besides DefaultSystemProfile.
	AllowedSystemProfiles []string
	// DeniedTypes, DeniedClasses and DeniedPermissions are refused on top
	// of the built-in denylist; AllowedTypes, AllowedClasses and
	// AllowedPermissions lift entries of those lists, and Allowed classes
	// and permissions also lift the built-in denylist's (SPO's
	// selinuxOptions).
	DeniedTypes, DeniedClasses, DeniedPermissions    []string
	AllowedTypes, AllowedClasses, AllowedPermissions []string
}

// OptionsFrom reads the limits out of the SPOD's selinux settings.
func OptionsFrom(cfg v1.SelinuxConfig) Options {
	o := cfg.Options
	if o == nil {
		return Options{}
	}
	return Options{AllowedSystemProfiles: o.AllowedSystemProfiles,
		DeniedTypes: o.DeniedTypes, DeniedClasses: o.DeniedClasses, DeniedPermissions: o.DeniedPermissions,
		AllowedTypes: o.AllowedTypes, AllowedClasses: o.AllowedClasses, AllowedPermissions: o.AllowedPermissions}
}

// denied says whether a rule on target type typ ("" when unknown) may not
// grant class/perm, and why: the SPOD's lists first, then the built-in
// denylist unless the SPOD lifts the class or permission.
func (o Options) denied(typ, class, perm string) (string, bool) {
	for _, l := range [...]struct {
		value, field   string
		denied, lifted []string
	}{
		{typ, "deniedTypes", o.DeniedTypes, o.AllowedTypes},
		{class, "deniedClasses", o.DeniedClasses, o.AllowedClasses},
		{perm, "deniedPermissions", o.DeniedPermissions, o.AllowedPermissions},
	} {
		if l.value != "" && slices.Contains(l.denied, l.value) && !slices.Contains(l.lifted, l.value) {
			return fmt.Sprintf("is in the SecurityProfilesOperatorDaemon's selinux.options.%s (%s)", l.field, l.value), true
		}
	}
	if slices.Contains(o.AllowedClasses, class) || slices.Contains(o.AllowedPermissions, perm) {
		return "", false
	}
	return denied(class, perm)
}

func (o Options) systemAllowed(name string) bool {
	return name == DefaultSystemProfile || slices.Contains(o.AllowedSystemProfiles, name)
}

// CheckPolicy checks spec against the built-in denylist and the SPOD's
// limits. Run it on every profile in the inherit chain: a blockinherit
// brings the parent's rules along.
func CheckPolicy(spec *v1.SelinuxProfileSpec, opts Options) error {
	return checkPolicy(spec, sortedRules(spec.Allow), opts)
}

func checkPolicy(spec *v1.SelinuxProfileSpec, rules []rule, opts Options) error {
	for i, ref := range inherits(spec) {
		if ref.Kind == v1.PolicyRefSelinuxProfile || opts.systemAllowed(ref.Name) {
			continue
		}
		return newError(ReasonSystemProfileNotAllowed, fmt.Sprintf("spec.inherit[%d].name", i),
			fmt.Sprintf("system profile %q is not %q and not in the SecurityProfilesOperatorDaemon's selinux.options.allowedSystemProfiles", ref.Name, DefaultSystemProfile))
	}
	for _, r := range rules {
		for i, perm := range r.perms {
			if why, bad := opts.denied(string(r.typ), string(r.class), perm); bad {
				return newError(ReasonPermissionNotAllowed, fmt.Sprintf("%s[%d]", r.field(), i),
					fmt.Sprintf("%s %s is never allowed: it %s", r.class, perm, why))
			}
		}
	}
	return nil
}

// denied says whether class/perm is on the denylist, and why.
func denied(class, perm string) (string, bool) {
	set, listed := dangerous[class]
	switch {
	case !listed:
		return "", false
	case set == nil:
		return "acts with another context through the kernel", true
	case perm == allPerms:
		return "includes " + firstKey(set) + ", which " + set[firstKey(set)], true
	}
	why, bad := set[perm]
	return why, bad
}

func firstKey(m map[string]string) string { return slices.Sorted(maps.Keys(m))[0] }

// inherits returns spec's inherit list, or the default the CRD applies
// when it is empty (objects that bypassed the API server have none).
func inherits(spec *v1.SelinuxProfileSpec) []v1.PolicyRef {
	if len(spec.Inherit) == 0 {
		return []v1.PolicyRef{{Kind: v1.PolicyRefSystem, Name: DefaultSystemProfile}}
	}
	return spec.Inherit
}
