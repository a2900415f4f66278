package binding

import (
	corev1 "k8s.io/api/core/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

// field is the security-context field a binding writes. Bindings compete
// per field, not per kind: a SelinuxProfile and a RawSelinuxProfile binding
// would both write seLinuxOptions.type.
type field int

const (
	seccompField field = iota
	selinuxField
	apparmorField
)

// fieldOf maps a binding's profile kind to the field it writes.
func fieldOf(kind v1.ProfileBindingKind) (field, bool) {
	switch kind {
	case v1.BindingSeccompProfile:
		return seccompField, true
	case v1.BindingSelinuxProfile, v1.BindingRawSelinuxProfile:
		return selinuxField, true
	case v1.BindingAppArmorProfile:
		return apparmorField, true
	}
	return 0, false
}

// String names the field as users write it in a pod.
func (f field) String() string {
	switch f {
	case seccompField:
		return "seccompProfile"
	case selinuxField:
		return "seLinuxOptions.type"
	default:
		return "appArmorProfile"
	}
}

// slot points at the three fields of one container's security context. A
// nil slot field means the security context itself is absent.
type slot struct {
	seccomp  **corev1.SeccompProfile
	selinux  **corev1.SELinuxOptions
	apparmor **corev1.AppArmorProfile
}

func containerSlot(sc *corev1.SecurityContext) slot {
	if sc == nil {
		return slot{}
	}
	return slot{&sc.SeccompProfile, &sc.SELinuxOptions, &sc.AppArmorProfile}
}

// describe returns the field's value as a user would recognise it in a
// warning ("Unconfined", "operator/x.json", "spc_t"), or "" when unset.
func (s slot) describe(f field) string {
	switch {
	case f == seccompField && s.seccomp != nil && *s.seccomp != nil:
		p := *s.seccomp
		if p.Type == corev1.SeccompProfileTypeLocalhost && p.LocalhostProfile != nil {
			return *p.LocalhostProfile
		}
		return string(p.Type)
	case f == selinuxField && s.selinux != nil && *s.selinux != nil:
		return (*s.selinux).Type
	case f == apparmorField && s.apparmor != nil && *s.apparmor != nil:
		p := *s.apparmor
		if p.Type == corev1.AppArmorProfileTypeLocalhost && p.LocalhostProfile != nil {
			return *p.LocalhostProfile
		}
		return string(p.Type)
	}
	return ""
}

// holds reports whether the field already carries the reference value.
// Localhost is compared structurally so that a type name can never pass for
// a profile path.
func (s slot) holds(f field, value string) bool {
	switch {
	case f == seccompField && s.seccomp != nil && *s.seccomp != nil:
		p := *s.seccomp
		return p.Type == corev1.SeccompProfileTypeLocalhost && p.LocalhostProfile != nil && *p.LocalhostProfile == value
	case f == selinuxField && s.selinux != nil && *s.selinux != nil:
		return (*s.selinux).Type == value
	case f == apparmorField && s.apparmor != nil && *s.apparmor != nil:
		p := *s.apparmor
		return p.Type == corev1.AppArmorProfileTypeLocalhost && p.LocalhostProfile != nil && *p.LocalhostProfile == value
	}
	return false
}

// set writes the reference value. The slot must come from an existing
// security context (writableSlot).
func (s slot) set(f field, value string) {
	switch f {
	case seccompField:
		*s.seccomp = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &value}
	case selinuxField:
		// Only the type is ours; user, role and level stay as the user set them.
		if *s.selinux == nil {
			*s.selinux = &corev1.SELinuxOptions{}
		}
		(*s.selinux).Type = value
	case apparmorField:
		*s.apparmor = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: &value}
	}
}
