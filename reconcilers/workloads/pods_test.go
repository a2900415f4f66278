package workloads_test

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/secprofiles/spo/reconcilers/workloads"
)

func localhost(path string) *corev1.SeccompProfile {
	return &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &path}
}

func withProfile(sp *corev1.SeccompProfile) *corev1.SecurityContext {
	return &corev1.SecurityContext{SeccompProfile: sp}
}

func container(name string, sp *corev1.SeccompProfile) corev1.Container {
	c := corev1.Container{Name: name, Image: "registry.example/" + name}
	if sp != nil {
		c.SecurityContext = withProfile(sp)
	}
	return c
}

func TestSeccompProfilesOf(t *testing.T) {
	tests := map[string]struct {
		spec corev1.PodSpec
		want []string
	}{
		"finds nothing in a pod without security contexts": {
			spec: corev1.PodSpec{Containers: []corev1.Container{container("app", nil)}},
		},
		"finds a profile set at pod level": {
			spec: corev1.PodSpec{
				SecurityContext: &corev1.PodSecurityContext{SeccompProfile: localhost("operator/web.json")},
				Containers:      []corev1.Container{container("app", nil)},
			},
			want: []string{"web"},
		},
		"finds a profile set on a container": {
			spec: corev1.PodSpec{Containers: []corev1.Container{
				container("app", nil), container("sidecar", localhost("operator/proxy.json")),
			}},
			want: []string{"proxy"},
		},
		"finds a profile set on an init container": {
			spec: corev1.PodSpec{
				InitContainers: []corev1.Container{container("init", localhost("operator/setup.json"))},
				Containers:     []corev1.Container{container("app", nil)},
			},
			want: []string{"setup"},
		},
		"finds a profile set on an ephemeral container": {
			spec: corev1.PodSpec{
				Containers: []corev1.Container{container("app", nil)},
				EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
					Name: "debug", SecurityContext: withProfile(localhost("operator/debug.json")),
				}}},
			},
			want: []string{"debug"},
		},
		"returns every profile once, sorted": {
			spec: corev1.PodSpec{
				SecurityContext: &corev1.PodSecurityContext{SeccompProfile: localhost("operator/zeta.json")},
				InitContainers:  []corev1.Container{container("init", localhost("operator/alpha.json"))},
				Containers: []corev1.Container{
					container("a", localhost("operator/zeta.json")), container("b", localhost("operator/alpha.json")),
				},
			},
			want: []string{"alpha", "zeta"},
		},
		"keeps the dots of a profile name": {
			spec: corev1.PodSpec{Containers: []corev1.Container{container("app", localhost("operator/web.v2.json"))}},
			want: []string{"web.v2"},
		},
		"ignores RuntimeDefault": {
			spec: corev1.PodSpec{Containers: []corev1.Container{container("app",
				&corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault})}},
		},
		"ignores Unconfined": {
			spec: corev1.PodSpec{Containers: []corev1.Container{container("app",
				&corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined})}},
		},
		"ignores a localhost profile outside operator/": {
			spec: corev1.PodSpec{Containers: []corev1.Container{container("app", localhost("custom/web.json"))}},
		},
		"ignores a localhost profile in a directory below operator/": {
			spec: corev1.PodSpec{Containers: []corev1.Container{container("app", localhost("operator/ns/web.json"))}},
		},
		"ignores a localhost profile that is not a .json file": {
			spec: corev1.PodSpec{Containers: []corev1.Container{container("app", localhost("operator/web"))}},
		},
		"ignores a localhost profile with an empty name": {
			spec: corev1.PodSpec{Containers: []corev1.Container{container("app", localhost("operator/.json"))}},
		},
		"counts operator/./x.json, the same file as operator/x.json": {
			spec: corev1.PodSpec{Containers: []corev1.Container{container("app", localhost("operator/./web.json"))}},
			want: []string{"web"},
		},
		"counts every spelling the kubelet resolves to the same file": {
			spec: corev1.PodSpec{Containers: []corev1.Container{
				container("a", localhost("operator//a.json")), container("b", localhost("./operator/b.json")),
				container("c", localhost("other/../operator/c.json")), container("d", localhost("/operator/d.json")),
				container("e", localhost("operator/x/../e.json")),
			}},
			want: []string{"a", "b", "c", "d", "e"},
		},
		"ignores a path that climbs out of operator/": {
			spec: corev1.PodSpec{Containers: []corev1.Container{container("app", localhost("operator/../web.json"))}},
		},
		"ignores type Localhost without a path": {
			spec: corev1.PodSpec{Containers: []corev1.Container{container("app",
				&corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost})}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := workloads.SeccompProfilesOf(&corev1.Pod{Spec: tc.spec})
			if !slices.Equal(got, tc.want) {
				t.Errorf("SeccompProfilesOf = %q, want %q", got, tc.want)
			}
		})
	}
}

func running() corev1.ContainerState {
	return corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
}

func terminated() corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}
}

func waiting() corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}
}

func TestMayRun(t *testing.T) {
	spec := corev1.PodSpec{
		InitContainers: []corev1.Container{container("init", nil)},
		Containers:     []corev1.Container{container("app", nil), container("sidecar", nil)},
	}
	statuses := func(init, app, sidecar corev1.ContainerState) corev1.PodStatus {
		return corev1.PodStatus{
			Phase:                 corev1.PodRunning,
			InitContainerStatuses: []corev1.ContainerStatus{{Name: "init", State: init}},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "app", State: app}, {Name: "sidecar", State: sidecar},
			},
		}
	}
	tests := map[string]struct {
		deleting bool
		status   corev1.PodStatus
		want     bool
	}{
		"counts a pending pod":                    {status: corev1.PodStatus{Phase: corev1.PodPending}, want: true},
		"counts a pod without any status":         {want: true},
		"counts a running pod":                    {status: statuses(terminated(), running(), running()), want: true},
		"counts a pod in an unknown phase":        {status: corev1.PodStatus{Phase: corev1.PodUnknown}, want: true},
		"does not count a pod that succeeded":     {status: corev1.PodStatus{Phase: corev1.PodSucceeded}},
		"does not count a pod that failed":        {status: corev1.PodStatus{Phase: corev1.PodFailed}},
		"does not count a deleted pod that ended": {deleting: true, status: corev1.PodStatus{Phase: corev1.PodFailed}},
		"counts a pod being deleted while a container runs": {
			deleting: true, status: statuses(terminated(), terminated(), running()), want: true,
		},
		"does not count a pod being deleted whose containers all terminated": {
			deleting: true, status: statuses(terminated(), terminated(), terminated()),
		},
		"counts a pod being deleted while its init container has not run": {
			deleting: true, status: statuses(waiting(), waiting(), waiting()), want: true,
		},
		"counts a pod being deleted when a container has no status yet": {
			deleting: true, want: true, status: corev1.PodStatus{
				Phase:                 corev1.PodRunning,
				InitContainerStatuses: []corev1.ContainerStatus{{Name: "init", State: terminated()}},
				ContainerStatuses:     []corev1.ContainerStatus{{Name: "app", State: terminated()}},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: spec, Status: tc.status}
			if tc.deleting {
				pod.DeletionTimestamp = &metav1.Time{}
			}
			if got := workloads.MayRun(pod); got != tc.want {
				t.Errorf("MayRun = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSelinuxProfilesOf(t *testing.T) {
	opts := func(typ string) *corev1.SELinuxOptions { return &corev1.SELinuxOptions{Type: typ} }
	tests := map[string]struct {
		spec corev1.PodSpec
		want []string
	}{
		"finds the type set at pod level": {
			spec: corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{SELinuxOptions: opts("web.process")}},
			want: []string{"web"},
		},
		"finds types on containers, init and ephemeral containers, once and sorted": {
			spec: corev1.PodSpec{
				InitContainers: []corev1.Container{{Name: "i", SecurityContext: &corev1.SecurityContext{SELinuxOptions: opts("b.process")}}},
				Containers:     []corev1.Container{{Name: "c", SecurityContext: &corev1.SecurityContext{SELinuxOptions: opts("a.process")}}},
				EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
					Name: "e", SecurityContext: &corev1.SecurityContext{SELinuxOptions: opts("b.process")}}}},
			},
			want: []string{"a", "b"},
		},
		"ignores a system type": {
			spec: corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{SELinuxOptions: opts("container_t")}},
		},
		"ignores options without a type": {
			spec: corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Level: "s0"}}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := workloads.SelinuxProfilesOf(&corev1.Pod{Spec: tc.spec}); !slices.Equal(got, tc.want) {
				t.Errorf("SelinuxProfilesOf = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAppArmorProfilesOf(t *testing.T) {
	aa := func(typ corev1.AppArmorProfileType, name string) *corev1.AppArmorProfile {
		p := &corev1.AppArmorProfile{Type: typ}
		if name != "" {
			p.LocalhostProfile = &name
		}
		return p
	}
	tests := map[string]struct {
		pod  corev1.Pod
		want []string
	}{
		"finds a Localhost profile at pod level and on a container": {
			pod: corev1.Pod{Spec: corev1.PodSpec{
				SecurityContext: &corev1.PodSecurityContext{AppArmorProfile: aa(corev1.AppArmorProfileTypeLocalhost, "web")},
				Containers: []corev1.Container{{Name: "c", SecurityContext: &corev1.SecurityContext{
					AppArmorProfile: aa(corev1.AppArmorProfileTypeLocalhost, "proxy")}}},
			}},
			want: []string{"proxy", "web"},
		},
		"finds the deprecated annotation's localhost/ profile": {
			pod: corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
				"container.apparmor.security.beta.kubernetes.io/app": "localhost/web",
				"container.apparmor.security.beta.kubernetes.io/sc":  "runtime/default",
			}}},
			want: []string{"web"},
		},
		"ignores RuntimeDefault and Unconfined": {
			pod: corev1.Pod{Spec: corev1.PodSpec{
				SecurityContext: &corev1.PodSecurityContext{AppArmorProfile: aa(corev1.AppArmorProfileTypeRuntimeDefault, "")},
				Containers: []corev1.Container{{Name: "c", SecurityContext: &corev1.SecurityContext{
					AppArmorProfile: aa(corev1.AppArmorProfileTypeUnconfined, "")}}},
			}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := workloads.AppArmorProfilesOf(&tc.pod); !slices.Equal(got, tc.want) {
				t.Errorf("AppArmorProfilesOf = %q, want %q", got, tc.want)
			}
		})
	}
}
