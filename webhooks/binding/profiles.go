package binding

import (
	"fmt"

	v1 "github.com/secprofiles/spo/api/v1"
)

// ProfileKinds are the kinds a binding can reference.
var ProfileKinds = []v1.ProfileBindingKind{
	v1.BindingSeccompProfile, v1.BindingSelinuxProfile, v1.BindingRawSelinuxProfile, v1.BindingAppArmorProfile,
}

// NewProfile returns an empty object of the kind a binding references, to
// read the profile into.
func NewProfile(kind v1.ProfileBindingKind) (v1.Profile, error) {
	switch kind {
	case v1.BindingSeccompProfile:
		return &v1.SeccompProfile{}, nil
	case v1.BindingSelinuxProfile:
		return &v1.SelinuxProfile{}, nil
	case v1.BindingRawSelinuxProfile:
		return &v1.RawSelinuxProfile{}, nil
	case v1.BindingAppArmorProfile:
		return &v1.AppArmorProfile{}, nil
	}
	return nil, fmt.Errorf("unknown profile kind %q", kind)
}

// Reference returns the value a binding to p writes into a security
// context: the seccomp localhost path, the SELinux type or the AppArmor
// localhost profile. It is "" while the profile has not published it.
func Reference(p v1.Profile) string {
	switch p := p.(type) {
	case *v1.SeccompProfile:
		return p.Status.LocalhostProfile
	case *v1.SelinuxProfile:
		return p.Status.Usage
	case *v1.RawSelinuxProfile:
		return p.Status.Usage
	case *v1.AppArmorProfile:
		return AppArmorLocalhostProfile(p)
	}
	return ""
}

// AppArmorLocalhostProfile is the name under which the nodes load p, and so
// the appArmorProfile.localhostProfile of the pods bound to it. It is the
// profile's name for now; AppArmorProfile has no status field for it yet,
// and when it gets one only this function changes.
func AppArmorLocalhostProfile(p *v1.AppArmorProfile) string {
	return p.Name
}

// profileKey identifies the profile a binding references.
type profileKey struct {
	kind v1.ProfileBindingKind
	name string
}

func keyOf(b *v1.ProfileBinding) profileKey {
	return profileKey{kind: b.Spec.ProfileRef.Kind, name: b.Spec.ProfileRef.Name}
}

// profileInfo is what the decisions need to know about a profile. The zero
// value is a profile that does not exist.
type profileInfo struct {
	exists bool
	state  v1.ProfileState
	value  string
}

func infoOf(p v1.Profile) profileInfo {
	return profileInfo{exists: true, state: p.ProfileStatus().Status, value: Reference(p)}
}

// unusable explains why a binding to this profile cannot be applied yet, or
// returns "" when it can.
func (i profileInfo) unusable(k profileKey) string {
	switch {
	case !i.exists:
		return fmt.Sprintf("%s %s does not exist", k.kind, k.name)
	case i.state != v1.ProfileStateInstalled:
		state := string(i.state)
		if state == "" {
			state = "not reported yet"
		}
		return fmt.Sprintf("%s %s is not installed (status %s)", k.kind, k.name, state)
	case i.value == "":
		// Installed but the status has not caught up; the next pod will get it.
		return fmt.Sprintf("%s %s is installed but has not published its reference yet", k.kind, k.name)
	}
	return ""
}
