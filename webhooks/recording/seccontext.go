package recording

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
)

// The Logs recorder reads kernel audit records, and the kernel only writes
// them for what a profile asks it to log: containers recorded that way run
// under a profile that allows and logs everything. Such a profile is
// unconfined in practice, so config/policy reserves both values below for
// the containers this webhook annotates (see doc.go); it repeats them in
// CEL, and TestPolicyMatchesWebhook keeps the two in step.
const (
	// LogEverythingProfile is the SeccompProfile (default action
	// SCMP_ACT_LOG) the operator installs on every node for recordings.
	LogEverythingProfile = "log-enricher-trace"
	// LogEverythingLocalhostProfile is its localhostProfile; it must stay
	// equal to daemon/seccomp.LocalhostProfile(LogEverythingProfile), which
	// is not imported here to keep libseccomp (cgo) out of the webhook.
	LogEverythingLocalhostProfile = "operator/" + LogEverythingProfile + ".json"
	// SELinuxRecordingType is a permissive SELinux type: every AVC is
	// logged and nothing denied. Like LogEverythingProfile it must be
	// installed on the nodes by the operator's SELinux support.
	SELinuxRecordingType = "selinuxrecording.process"
)

// securityChange sets parts of one container's securityContext; nil fields
// are left alone.
type securityChange struct {
	container string
	seccomp   *corev1.SeccompProfile
	seLinux   *corev1.SELinuxOptions
}

// logEverything makes the container's profile log what the recorder needs.
func (p *podPlan) logEverything(pod *corev1.Pod, c *corev1.Container, rec *v1.ProfileRecording) {
	switch rec.Spec.Kind {
	case v1.RecordingSeccompProfile:
		p.setSeccomp(pod, c, rec.Name)
	case v1.RecordingSelinuxProfile:
		p.setSELinux(pod, c, rec.Name)
	}
}

func (p *podPlan) setSeccomp(pod *corev1.Pod, c *corev1.Container, recording string) {
	want := &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To(LogEverythingLocalhostProfile)}
	have := effectiveSeccomp(pod, c)
	if equality.Semantic.DeepEqual(have, want) {
		return
	}
	if have != nil {
		p.warn(fmt.Sprintf("container %q: seccomp profile %s replaced by %s for ProfileRecording %q",
			c.Name, describeSeccomp(have), describeSeccomp(want), recording))
	}
	p.security = append(p.security, securityChange{container: c.Name, seccomp: want})
	p.decide(decision{action: "set the log-everything seccomp profile", container: c.Name, recording: recording})
}

// setSELinux sets only the type. A container's seLinuxOptions replace the
// pod's as a whole, so the others (user, role, level) are copied from
// whichever applied before; otherwise the recording would change the
// container's MCS level, for one.
func (p *podPlan) setSELinux(pod *corev1.Pod, c *corev1.Container, recording string) {
	have := effectiveSELinux(pod, c)
	if have != nil && have.Type == SELinuxRecordingType {
		return
	}
	want := &corev1.SELinuxOptions{}
	if have != nil {
		want = have.DeepCopy()
	}
	if want.Type != "" {
		p.warn(fmt.Sprintf("container %q: SELinux type %q replaced by %q for ProfileRecording %q",
			c.Name, want.Type, SELinuxRecordingType, recording))
	}
	want.Type = SELinuxRecordingType
	p.security = append(p.security, securityChange{container: c.Name, seLinux: want})
	p.decide(decision{action: "set the SELinux recording type", container: c.Name, recording: recording})
}

// effectiveSeccomp is the profile the container would run with: its own,
// else the pod's.
func effectiveSeccomp(pod *corev1.Pod, c *corev1.Container) *corev1.SeccompProfile {
	if c.SecurityContext != nil && c.SecurityContext.SeccompProfile != nil {
		return c.SecurityContext.SeccompProfile
	}
	if pod.Spec.SecurityContext != nil {
		return pod.Spec.SecurityContext.SeccompProfile
	}
	return nil
}

func effectiveSELinux(pod *corev1.Pod, c *corev1.Container) *corev1.SELinuxOptions {
	if c.SecurityContext != nil && c.SecurityContext.SELinuxOptions != nil {
		return c.SecurityContext.SELinuxOptions
	}
	if pod.Spec.SecurityContext != nil {
		return pod.Spec.SecurityContext.SELinuxOptions
	}
	return nil
}

func describeSeccomp(s *corev1.SeccompProfile) string {
	if s.LocalhostProfile != nil {
		return fmt.Sprintf("%s %q", s.Type, *s.LocalhostProfile)
	}
	return string(s.Type)
}

// apply carries out the plan on pod, which the caller owns.
func apply(pod *corev1.Pod, p podPlan) {
	pod.Annotations = p.annotations
	if p.recorded {
		// The daemon under SPOD enableMemoryOptimization caches only pods
		// with this label.
		if pod.Labels == nil {
			pod.Labels = map[string]string{}
		}
		pod.Labels[v1.LabelEnableRecording] = "true"
	}
	for _, ch := range p.security {
		c := containerNamed(pod, ch.container)
		if c == nil {
			continue // cannot happen: plan took the name from this pod
		}
		if c.SecurityContext == nil {
			c.SecurityContext = &corev1.SecurityContext{}
		}
		if ch.seccomp != nil {
			c.SecurityContext.SeccompProfile = ch.seccomp.DeepCopy()
		}
		if ch.seLinux != nil {
			c.SecurityContext.SELinuxOptions = ch.seLinux.DeepCopy()
		}
	}
}

// containerNamed finds a container or init container; the API server keeps
// names unique across both lists.
func containerNamed(pod *corev1.Pod, name string) *corev1.Container {
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}
