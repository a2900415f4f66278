package binding

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

func newPod(containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "pod", Namespace: "ns", Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: containers},
	}
}

func ctr(name, image string) corev1.Container { return corev1.Container{Name: name, Image: image} }

func withEphemeral(p *corev1.Pod, containers ...corev1.Container) *corev1.Pod {
	for _, c := range containers {
		p.Spec.EphemeralContainers = append(p.Spec.EphemeralContainers,
			corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon(c)})
	}
	return p
}

func withSC(c corev1.Container, sc *corev1.SecurityContext) corev1.Container {
	c.SecurityContext = sc
	return c
}

func scWith(sp *corev1.SeccompProfile) *corev1.SecurityContext {
	return &corev1.SecurityContext{SeccompProfile: sp}
}

func localhostSeccomp(path string) *corev1.SeccompProfile {
	return &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &path}
}

func localhostAppArmor(name string) *corev1.AppArmorProfile {
	return &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: &name}
}

func annotated(p *corev1.Pod, key, value string) *corev1.Pod {
	p.Annotations = map[string]string{key: value}
	return p
}

func seccomp(name string, state v1.ProfileState) *v1.SeccompProfile {
	p := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: name}}
	p.Status.Status = state
	p.Status.LocalhostProfile = "operator/" + name + ".json"
	return p
}

func selinux(name string, state v1.ProfileState, usage string) *v1.SelinuxProfile {
	p := &v1.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Name: name}}
	p.Status.Status = state
	p.Status.Usage = usage
	return p
}

func rawSelinux(name string, state v1.ProfileState, usage string) *v1.RawSelinuxProfile {
	p := &v1.RawSelinuxProfile{ObjectMeta: metav1.ObjectMeta{Name: name}}
	p.Status.Status = state
	p.Status.Usage = usage
	return p
}

func apparmor(name string, state v1.ProfileState) *v1.AppArmorProfile {
	p := &v1.AppArmorProfile{ObjectMeta: metav1.ObjectMeta{Name: name}}
	p.Status.Status = state
	return p
}

func kindOf(p v1.Profile) v1.ProfileBindingKind {
	switch p.(type) {
	case *v1.SeccompProfile:
		return v1.BindingSeccompProfile
	case *v1.SelinuxProfile:
		return v1.BindingSelinuxProfile
	case *v1.RawSelinuxProfile:
		return v1.BindingRawSelinuxProfile
	default:
		return v1.BindingAppArmorProfile
	}
}
