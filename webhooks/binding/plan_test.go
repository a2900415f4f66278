package binding

import (
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/diff"

	v1 "github.com/secprofiles/spo/api/v1"
)

// decideForTest runs the pure pipeline the handler runs between its reads
// and its response.
func decideForTest(pod *corev1.Pod, bindings []*v1.ProfileBinding, profiles []v1.Profile) (*corev1.Pod, []string) {
	return decideUpdateForTest(pod, nil, bindings, profiles)
}

// decideUpdateForTest is the same for an admission that adds ephemeral
// containers to old.
func decideUpdateForTest(pod, old *corev1.Pod, bindings []*v1.ProfileBinding, profiles []v1.Profile) (*corev1.Pod, []string) {
	infos := map[profileKey]profileInfo{}
	for _, p := range profiles {
		infos[profileKey{kind: kindOf(p), name: p.GetName()}] = infoOf(p)
	}
	chosen, outcomes := choose(pod, targets(pod, old), bindings)
	outcomes = append(outcomes, plan(pod, chosen, infos)...)
	mutated := pod.DeepCopy()
	apply(mutated, outcomes)
	return mutated, admittedWarnings(outcomes)
}

func TestDecisions(t *testing.T) {
	tests := map[string]struct {
		pod      *corev1.Pod
		old      *corev1.Pod // set: the admission adds ephemeral containers to old
		bindings []*v1.ProfileBinding
		profiles []v1.Profile
		want     func(*corev1.Pod)
		warnings []string
	}{
		"sets the seccomp profile of a container whose image matches": {
			pod:      newPod(ctr("web", "nginx"), ctr("log", "fluentd")),
			bindings: []*v1.ProfileBinding{bind("b", "nginx", v1.BindingSeccompProfile, "x")},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = scWith(localhostSeccomp("operator/x.json"))
			},
		},
		"leaves a pod without matching images unchanged": {
			pod:      newPod(ctr("web", "nginx:1.27")),
			bindings: []*v1.ProfileBinding{bind("b", "nginx", v1.BindingSeccompProfile, "x")},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled)},
		},
		"uses * for every container that no exact binding matched": {
			pod: newPod(ctr("web", "nginx"), ctr("log", "fluentd")),
			bindings: []*v1.ProfileBinding{
				bind("exact", "nginx", v1.BindingSeccompProfile, "x"), bind("any", "*", v1.BindingSeccompProfile, "y"),
			},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled), seccomp("y", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = scWith(localhostSeccomp("operator/x.json"))
				p.Spec.Containers[1].SecurityContext = scWith(localhostSeccomp("operator/y.json"))
			},
		},
		"writes * into each container, where a pod-level value cannot override it": {
			pod:      newPod(ctr("web", "nginx"), ctr("log", "fluentd")),
			bindings: []*v1.ProfileBinding{bind("any", "*", v1.BindingSeccompProfile, "y")},
			profiles: []v1.Profile{seccomp("y", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = scWith(localhostSeccomp("operator/y.json"))
				p.Spec.Containers[1].SecurityContext = scWith(localhostSeccomp("operator/y.json"))
			},
		},
		"uses * for the fields an exact binding leaves": {
			pod: newPod(ctr("web", "nginx")),
			bindings: []*v1.ProfileBinding{
				bind("exact", "nginx", v1.BindingSeccompProfile, "x"), bind("any", "*", v1.BindingAppArmorProfile, "a"),
			},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled), apparmor("a", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{
					SeccompProfile: localhostSeccomp("operator/x.json"), AppArmorProfile: localhostAppArmor("a"),
				}
			},
		},
		"matches an image however it is spelled": {
			pod:      newPod(ctr("web", "nginx"), ctr("side", "index.docker.io/library/nginx:latest")),
			bindings: []*v1.ProfileBinding{bind("b", "docker.io/library/nginx:latest", v1.BindingSeccompProfile, "x")},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = scWith(localhostSeccomp("operator/x.json"))
				p.Spec.Containers[1].SecurityContext = scWith(localhostSeccomp("operator/x.json"))
			},
		},
		"does not match a digest to its tag": {
			pod:      newPod(ctr("web", "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")),
			bindings: []*v1.ProfileBinding{bind("b", "nginx:latest", v1.BindingSeccompProfile, "x")},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled)},
		},
		"binds an ephemeral container being added and leaves the ones already there": {
			old: withEphemeral(newPod(ctr("web", "nginx")), ctr("debug-1", "busybox")),
			pod: withEphemeral(newPod(ctr("web", "nginx")), ctr("debug-1", "busybox"), ctr("debug-2", "busybox")),
			bindings: []*v1.ProfileBinding{
				bind("b", "busybox", v1.BindingSeccompProfile, "x"), bind("web", "nginx", v1.BindingSeccompProfile, "x"),
			},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.EphemeralContainers[1].SecurityContext = scWith(localhostSeccomp("operator/x.json"))
			},
		},
		"replaces an ephemeral container's own Unconfined under * with a warning": {
			old: newPod(ctr("web", "nginx")),
			pod: withEphemeral(newPod(ctr("web", "nginx")),
				withSC(ctr("debug", "busybox"), scWith(&corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}))),
			bindings: []*v1.ProfileBinding{bind("any", "*", v1.BindingSeccompProfile, "y")},
			profiles: []v1.Profile{seccomp("y", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.EphemeralContainers[0].SecurityContext = scWith(localhostSeccomp("operator/y.json"))
			},
			warnings: []string{"ephemeral container debug: seccompProfile Unconfined replaced by operator/y.json from ProfileBinding ns/any"},
		},
		"does not fall back to * when the matched profile is not installed": {
			pod: newPod(ctr("web", "nginx")),
			bindings: []*v1.ProfileBinding{
				bind("exact", "nginx", v1.BindingSeccompProfile, "x"), bind("any", "*", v1.BindingSeccompProfile, "y"),
			},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStatePending), seccomp("y", v1.ProfileStateInstalled)},
			warnings: []string{"ProfileBinding ns/exact: SeccompProfile x is not installed (status Pending); pod admitted without it"},
		},
		"overwrites a pre-set Unconfined with a warning": {
			pod:      newPod(withSC(ctr("web", "nginx"), scWith(&corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}))),
			bindings: []*v1.ProfileBinding{bind("b", "nginx", v1.BindingSeccompProfile, "x")},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = scWith(localhostSeccomp("operator/x.json"))
			},
			warnings: []string{"container web: seccompProfile Unconfined replaced by operator/x.json from ProfileBinding ns/b"},
		},
		"leaves a pod-level RuntimeDefault and sets the container, whose value wins over it": {
			pod: func() *corev1.Pod {
				p := newPod(ctr("web", "nginx"))
				p.Spec.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
				return p
			}(),
			bindings: []*v1.ProfileBinding{bind("any", "*", v1.BindingSeccompProfile, "y")},
			profiles: []v1.Profile{seccomp("y", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = scWith(localhostSeccomp("operator/y.json"))
			},
		},
		"changes nothing and says nothing when the container already carries the profile": {
			pod:      newPod(withSC(ctr("web", "nginx"), scWith(localhostSeccomp("operator/x.json")))),
			bindings: []*v1.ProfileBinding{bind("b", "nginx", v1.BindingSeccompProfile, "x")},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled)},
		},
		"leaves the pod unchanged and warns when the profile is not installed": {
			pod:      newPod(ctr("web", "nginx")),
			bindings: []*v1.ProfileBinding{bind("b", "nginx", v1.BindingSeccompProfile, "x")},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStatePending)},
			warnings: []string{"ProfileBinding ns/b: SeccompProfile x is not installed (status Pending); pod admitted without it"},
		},
		"leaves the pod unchanged and warns when the profile does not exist": {
			pod:      newPod(ctr("web", "nginx")),
			bindings: []*v1.ProfileBinding{bind("b", "nginx", v1.BindingSeccompProfile, "x")},
			warnings: []string{"ProfileBinding ns/b: SeccompProfile x does not exist; pod admitted without it"},
		},
		"leaves the pod unchanged when an installed profile has not published its reference": {
			pod:      newPod(ctr("web", "nginx")),
			bindings: []*v1.ProfileBinding{bind("b", "nginx", v1.BindingSelinuxProfile, "s")},
			profiles: []v1.Profile{selinux("s", v1.ProfileStateInstalled, "")},
			warnings: []string{"ProfileBinding ns/b: SelinuxProfile s is installed but has not published its reference yet; pod admitted without it"},
		},
		"matches init containers": {
			pod: func() *corev1.Pod {
				p := newPod(ctr("web", "nginx"))
				p.Spec.InitContainers = []corev1.Container{ctr("setup", "busybox")}
				return p
			}(),
			bindings: []*v1.ProfileBinding{bind("b", "busybox", v1.BindingSeccompProfile, "x")},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.InitContainers[0].SecurityContext = scWith(localhostSeccomp("operator/x.json"))
			},
		},
		"respects podSelector": {
			pod: newPod(ctr("web", "nginx")),
			bindings: []*v1.ProfileBinding{
				withSelector(bind("other", "nginx", v1.BindingSeccompProfile, "x"), "app", "db"),
				withSelector(bind("mine", "nginx", v1.BindingAppArmorProfile, "a"), "app", "web"),
			},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled), apparmor("a", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{AppArmorProfile: localhostAppArmor("a")}
			},
		},
		"ignores a binding whose podSelector cannot be parsed, with a warning": {
			pod: newPod(ctr("web", "nginx")),
			bindings: []*v1.ProfileBinding{func() *v1.ProfileBinding {
				b := bind("bad", "nginx", v1.BindingSeccompProfile, "x")
				b.Spec.PodSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Near"}}}
				return b
			}()},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled)},
			warnings: []string{`ProfileBinding ns/bad ignored: parsing podSelector: "Near" is not a valid label selector operator`},
		},
		"sets seLinuxOptions.type from status.usage": {
			pod: newPod(withSC(ctr("web", "nginx"), &corev1.SecurityContext{
				SELinuxOptions: &corev1.SELinuxOptions{Type: "spc_t", Level: "s0:c1,c2"},
			})),
			bindings: []*v1.ProfileBinding{bind("b", "nginx", v1.BindingSelinuxProfile, "s")},
			profiles: []v1.Profile{selinux("s", v1.ProfileStateInstalled, "s.process")},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext.SELinuxOptions = &corev1.SELinuxOptions{Type: "s.process", Level: "s0:c1,c2"}
			},
			warnings: []string{"container web: seLinuxOptions.type spc_t replaced by s.process from ProfileBinding ns/b"},
		},
		"sets seLinuxOptions.type from a RawSelinuxProfile": {
			pod:      newPod(ctr("web", "nginx")),
			bindings: []*v1.ProfileBinding{bind("b", "nginx", v1.BindingRawSelinuxProfile, "raw")},
			profiles: []v1.Profile{rawSelinux("raw", v1.ProfileStateInstalled, "raw.process")},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: "raw.process"}}
			},
		},
		"sets appArmorProfile": {
			pod:      newPod(ctr("web", "nginx")),
			bindings: []*v1.ProfileBinding{bind("b", "nginx", v1.BindingAppArmorProfile, "a")},
			profiles: []v1.Profile{apparmor("a", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{AppArmorProfile: localhostAppArmor("a")}
			},
		},
		"applies bindings of different kinds to the same container": {
			pod: newPod(ctr("web", "nginx")),
			bindings: []*v1.ProfileBinding{
				bind("sc", "nginx", v1.BindingSeccompProfile, "x"), bind("aa", "nginx", v1.BindingAppArmorProfile, "a"),
			},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled), apparmor("a", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{
					SeccompProfile: localhostSeccomp("operator/x.json"), AppArmorProfile: localhostAppArmor("a"),
				}
			},
		},
		"picks the oldest binding for the same field and warns about the others": {
			pod: newPod(ctr("web", "nginx")),
			bindings: []*v1.ProfileBinding{
				aged(bind("young", "nginx", v1.BindingSeccompProfile, "y"), 1),
				aged(bind("old", "nginx", v1.BindingSeccompProfile, "x"), 0),
			},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled), seccomp("y", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = scWith(localhostSeccomp("operator/x.json"))
			},
			warnings: []string{"container web: ProfileBinding ns/young ignored; ProfileBinding ns/old also sets seccompProfile and wins (oldest first, then by name)"},
		},
		"picks by name between bindings of the same age": {
			pod: newPod(ctr("web", "nginx")),
			bindings: []*v1.ProfileBinding{
				bind("b", "nginx", v1.BindingSeccompProfile, "y"), bind("a", "nginx", v1.BindingSeccompProfile, "x"),
			},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled), seccomp("y", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = scWith(localhostSeccomp("operator/x.json"))
			},
			warnings: []string{"container web: ProfileBinding ns/b ignored; ProfileBinding ns/a also sets seccompProfile and wins (oldest first, then by name)"},
		},
		"lets SelinuxProfile and RawSelinuxProfile bindings compete for seLinuxOptions.type": {
			pod: newPod(ctr("web", "nginx")),
			bindings: []*v1.ProfileBinding{
				aged(bind("raw", "nginx", v1.BindingRawSelinuxProfile, "raw"), 1),
				aged(bind("sel", "nginx", v1.BindingSelinuxProfile, "s"), 0),
			},
			profiles: []v1.Profile{selinux("s", v1.ProfileStateInstalled, "s.process"), rawSelinux("raw", v1.ProfileStateInstalled, "raw.process")},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: "s.process"}}
			},
			warnings: []string{"container web: ProfileBinding ns/raw ignored; ProfileBinding ns/sel also sets seLinuxOptions.type and wins (oldest first, then by name)"},
		},
		"replaces a container's own Unconfined under * with a warning": {
			pod:      newPod(withSC(ctr("web", "nginx"), scWith(&corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined})), ctr("log", "fluentd")),
			bindings: []*v1.ProfileBinding{bind("any", "*", v1.BindingSeccompProfile, "y")},
			profiles: []v1.Profile{seccomp("y", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = scWith(localhostSeccomp("operator/y.json"))
				p.Spec.Containers[1].SecurityContext = scWith(localhostSeccomp("operator/y.json"))
			},
			warnings: []string{"container web: seccompProfile Unconfined replaced by operator/y.json from ProfileBinding ns/any"},
		},
		"replaces a container's own RuntimeDefault AppArmor profile under * with a warning": {
			pod: newPod(withSC(ctr("web", "nginx"), &corev1.SecurityContext{
				AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeRuntimeDefault}})),
			bindings: []*v1.ProfileBinding{bind("any", "*", v1.BindingAppArmorProfile, "a")},
			profiles: []v1.Profile{apparmor("a", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{AppArmorProfile: localhostAppArmor("a")}
			},
			warnings: []string{"container web: appArmorProfile RuntimeDefault replaced by a from ProfileBinding ns/any"},
		},
		"rewrites a deprecated seccomp annotation so the API server accepts the pod": {
			pod:      annotated(newPod(ctr("web", "nginx")), corev1.SeccompContainerAnnotationKeyPrefix+"web", "unconfined"),
			bindings: []*v1.ProfileBinding{bind("b", "nginx", v1.BindingSeccompProfile, "x")},
			profiles: []v1.Profile{seccomp("x", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = scWith(localhostSeccomp("operator/x.json"))
				p.Annotations[corev1.SeccompContainerAnnotationKeyPrefix+"web"] = "localhost/operator/x.json"
			},
		},
		"treats a container's AppArmor annotation as its value": {
			pod:      annotated(newPod(ctr("web", "nginx")), corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix+"web", "unconfined"),
			bindings: []*v1.ProfileBinding{bind("b", "nginx", v1.BindingAppArmorProfile, "a")},
			profiles: []v1.Profile{apparmor("a", v1.ProfileStateInstalled)},
			want: func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{AppArmorProfile: localhostAppArmor("a")}
				p.Annotations[corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix+"web"] = "localhost/a"
			},
			warnings: []string{"container web: appArmorProfile Unconfined replaced by a from ProfileBinding ns/b"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			want := tc.pod.DeepCopy()
			if tc.want != nil {
				tc.want(want)
			}
			got, warnings := decideUpdateForTest(tc.pod, tc.old, tc.bindings, tc.profiles)
			if !equality.Semantic.DeepEqual(got, want) {
				t.Errorf("pod differs from the expected one:\n%s", diff.Diff(want, got))
			}
			if !slices.Equal(warnings, tc.warnings) {
				t.Errorf("warnings = %q, want %q", warnings, tc.warnings)
			}
		})
	}
}

func TestDecisionsCapTheWarnings(t *testing.T) {
	var containers []corev1.Container
	for i := range 30 {
		containers = append(containers, ctr(fmt.Sprintf("c%d", i), "nginx"))
	}
	_, warnings := decideForTest(newPod(containers...), []*v1.ProfileBinding{
		bind("a", "*", v1.BindingSeccompProfile, "x"), bind("b", "*", v1.BindingSeccompProfile, "x"),
	}, []v1.Profile{seccomp("x", v1.ProfileStateInstalled)})
	if len(warnings) != maxWarnings+1 || warnings[maxWarnings] != "10 more binding warnings; the webhook's log has every decision" {
		t.Errorf("got %d warnings, the last %q; want %d and a count of the rest", len(warnings), warnings[len(warnings)-1], maxWarnings+1)
	}
}

func TestDecisionsLeaveTheInputPodAlone(t *testing.T) {
	pod := newPod(withSC(ctr("web", "nginx"), scWith(&corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined})))
	before := pod.DeepCopy()
	decideForTest(pod, []*v1.ProfileBinding{bind("b", "nginx", v1.BindingSeccompProfile, "x")},
		[]v1.Profile{seccomp("x", v1.ProfileStateInstalled)})
	if !equality.Semantic.DeepEqual(pod, before) {
		t.Errorf("the decisions modified their input:\n%s", diff.Diff(before, pod))
	}
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func bind(name, image string, kind v1.ProfileBindingKind, profile string) *v1.ProfileBinding {
	return &v1.ProfileBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", CreationTimestamp: metav1.NewTime(epoch)},
		Spec:       v1.ProfileBindingSpec{Image: image, ProfileRef: v1.ProfileRef{Kind: kind, Name: profile}},
	}
}

func aged(b *v1.ProfileBinding, minutesAfterEpoch int) *v1.ProfileBinding {
	b.CreationTimestamp = metav1.NewTime(epoch.Add(time.Duration(minutesAfterEpoch) * time.Minute))
	return b
}

func withSelector(b *v1.ProfileBinding, key, value string) *v1.ProfileBinding {
	b.Spec.PodSelector = &metav1.LabelSelector{MatchLabels: map[string]string{key: value}}
	return b
}
