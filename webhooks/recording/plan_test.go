package recording

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

type planCase struct {
	pod         *corev1.Pod
	recordings  []v1.ProfileRecording
	annotations map[string]string                  // the pod's annotations afterwards
	security    map[string]*corev1.SecurityContext // containers' contexts afterwards; absent = nil
	warnings    []string
	unchanged   bool
}

var planCases = map[string]planCase{
	"annotates every container for a bpf seccomp recording": {
		pod:        pod([]string{"a", "b"}),
		recordings: []v1.ProfileRecording{recording("rec", v1.RecordingSeccompProfile, v1.RecorderBpf)},
		annotations: map[string]string{
			PrefixBpf + "a": value("rec", "a"),
			PrefixBpf + "b": value("rec", "b"),
		},
	},
	"annotates only the listed containers": {
		pod:         pod([]string{"a", "b", "c"}),
		recordings:  []v1.ProfileRecording{recording("rec", v1.RecordingSeccompProfile, v1.RecorderBpf, containersOnly("b", "not-in-this-pod"))},
		annotations: map[string]string{PrefixBpf + "b": value("rec", "b")},
	},
	"includes init containers": {
		pod:        pod([]string{"a"}, withInit("setup")),
		recordings: []v1.ProfileRecording{recording("rec", v1.RecordingAppArmorProfile, v1.RecorderBpf)},
		annotations: map[string]string{
			PrefixBpfAppArmor + "setup": value("rec", "setup"),
			PrefixBpfAppArmor + "a":     value("rec", "a"),
		},
	},
	"replaces a spoofed annotation": {
		pod:         pod([]string{"a"}, withAnnotations(PrefixBpf+"a", "theirs_a_aaaaa_1", "keep", "me")),
		recordings:  []v1.ProfileRecording{recording("rec", v1.RecordingSeccompProfile, v1.RecorderBpf)},
		annotations: map[string]string{PrefixBpf + "a": value("rec", "a"), "keep": "me"},
		warnings:    []string{"removed annotation io.containers.trace-bpf/a: set only by the recording webhook"},
	},
	"removes spoofed annotations when nothing matches": {
		pod: pod([]string{"a"}, withAnnotations(PrefixLogs+"a", "x", PrefixAvcs+"other", "y",
			PrefixBpfAppArmor, "", "io.containers.trace-bpfx/a", "look-alike", "other/a", "z")),
		recordings:  []v1.ProfileRecording{recording("rec", v1.RecordingSeccompProfile, v1.RecorderBpf, selecting("app", "db"))},
		annotations: map[string]string{"io.containers.trace-bpfx/a": "look-alike", "other/a": "z"},
		warnings: []string{
			"removed annotation io.containers.trace-avcs/other: set only by the recording webhook",
			"removed annotation io.containers.trace-bpf-apparmor/: set only by the recording webhook",
			"removed annotation io.containers.trace-logs/a: set only by the recording webhook",
		},
	},
	"sets the log-everything seccomp profile for the logs recorder": {
		pod:         pod([]string{"a"}),
		recordings:  []v1.ProfileRecording{recording("rec", v1.RecordingSeccompProfile, v1.RecorderLogs)},
		annotations: map[string]string{PrefixLogs + "a": value("rec", "a")},
		security:    map[string]*corev1.SecurityContext{"a": {SeccompProfile: logEverything()}},
	},
	"warns when the log-everything profile replaces the pod's": {
		pod:         pod([]string{"a"}, withPodSeccomp(&corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault})),
		recordings:  []v1.ProfileRecording{recording("rec", v1.RecordingSeccompProfile, v1.RecorderLogs)},
		annotations: map[string]string{PrefixLogs + "a": value("rec", "a")},
		security:    map[string]*corev1.SecurityContext{"a": {SeccompProfile: logEverything()}},
		warnings: []string{`container "a": seccomp profile RuntimeDefault replaced by ` +
			`Localhost "operator/log-enricher-trace.json" for ProfileRecording "rec"`},
	},
	"sets the SELinux recording type for SELinux recordings": {
		pod:         pod([]string{"a"}, withPodSELinux(&corev1.SELinuxOptions{Level: "s0:c1,c2"})),
		recordings:  []v1.ProfileRecording{recording("rec", v1.RecordingSelinuxProfile, v1.RecorderLogs)},
		annotations: map[string]string{PrefixAvcs + "a": value("rec", "a")},
		security: map[string]*corev1.SecurityContext{"a": {SELinuxOptions: &corev1.SELinuxOptions{
			Level: "s0:c1,c2", Type: SELinuxRecordingType}}},
	},
	"warns when the SELinux recording type replaces another": {
		pod:         pod([]string{"a"}, withPodSELinux(&corev1.SELinuxOptions{Type: "spc_t"})),
		recordings:  []v1.ProfileRecording{recording("rec", v1.RecordingSelinuxProfile, v1.RecorderLogs)},
		annotations: map[string]string{PrefixAvcs + "a": value("rec", "a")},
		security:    map[string]*corev1.SecurityContext{"a": {SELinuxOptions: &corev1.SELinuxOptions{Type: SELinuxRecordingType}}},
		warnings:    []string{`container "a": SELinux type "spc_t" replaced by "selinuxrecording.process" for ProfileRecording "rec"`},
	},
	"ignores recordings whose selector does not match": {
		pod:        pod([]string{"a"}),
		recordings: []v1.ProfileRecording{recording("rec", v1.RecordingSeccompProfile, v1.RecorderLogs, selecting("app", "db"))},
		unchanged:  true,
	},
	"ignores recordings being deleted": {
		pod: pod([]string{"a"}),
		recordings: []v1.ProfileRecording{recording("rec", v1.RecordingSeccompProfile, v1.RecorderBpf, func(r *v1.ProfileRecording) {
			r.DeletionTimestamp = &t0
		})},
		unchanged: true,
	},
	"skips a recording whose selector is invalid, with a warning": {
		pod: pod([]string{"a"}),
		recordings: []v1.ProfileRecording{recording("rec", v1.RecordingSeccompProfile, v1.RecorderBpf, func(r *v1.ProfileRecording) {
			r.Spec.PodSelector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Near"}}
		})},
		warnings:  []string{`ProfileRecording "rec" skipped: invalid podSelector: "Near" is not a valid label selector operator`},
		unchanged: true,
	},
	"uses the oldest of two recordings": {
		pod: pod([]string{"a"}),
		recordings: []v1.ProfileRecording{
			recording("young", v1.RecordingSeccompProfile, v1.RecorderBpf, createdAfter(10)),
			recording("old", v1.RecordingSeccompProfile, v1.RecorderBpf),
		},
		annotations: map[string]string{PrefixBpf + "a": value("old", "a")},
		warnings:    []string{`container "a": ProfileRecording "young" also selects it for io.containers.trace-bpf/; using the older "old"`},
	},
	"breaks a creation-time tie by name": {
		pod: pod([]string{"a"}),
		recordings: []v1.ProfileRecording{
			recording("b", v1.RecordingSeccompProfile, v1.RecorderLogs),
			recording("a", v1.RecordingSeccompProfile, v1.RecorderLogs),
		},
		annotations: map[string]string{PrefixLogs + "a": value("a", "a")},
		security:    map[string]*corev1.SecurityContext{"a": {SeccompProfile: logEverything()}},
		warnings:    []string{`container "a": ProfileRecording "b" also selects it for io.containers.trace-logs/; using the older "a"`},
	},
	"records one container for several kinds at once": {
		pod: pod([]string{"a"}),
		recordings: []v1.ProfileRecording{
			recording("sec", v1.RecordingSeccompProfile, v1.RecorderBpf),
			recording("se", v1.RecordingSelinuxProfile, v1.RecorderLogs),
		},
		annotations: map[string]string{PrefixBpf + "a": value("sec", "a"), PrefixAvcs + "a": value("se", "a")},
		security:    map[string]*corev1.SecurityContext{"a": {SELinuxOptions: &corev1.SELinuxOptions{Type: SELinuxRecordingType}}},
	},
}

func TestPlan(t *testing.T) {
	for name, tc := range planCases {
		t.Run(name, func(t *testing.T) {
			before := tc.pod.DeepCopy()
			p, err := plan(tc.pod, tc.recordings, testNonce, testNow)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if !reflect.DeepEqual(tc.pod, before) {
				t.Fatal("plan modified its input pod")
			}
			if p.changed == tc.unchanged {
				t.Errorf("changed = %v, want %v", p.changed, !tc.unchanged)
			}
			got := tc.pod.DeepCopy()
			apply(got, p)
			wantAnnotations := tc.annotations
			if tc.unchanged {
				wantAnnotations = tc.pod.Annotations
			}
			if len(got.Annotations)+len(wantAnnotations) > 0 && !reflect.DeepEqual(got.Annotations, wantAnnotations) {
				t.Errorf("annotations:\n got %v\nwant %v", got.Annotations, wantAnnotations)
			}
			checkSecurity(t, got, tc.security)
			if strings.Join(p.warnings, "\n") != strings.Join(tc.warnings, "\n") {
				t.Errorf("warnings:\n got %q\nwant %q", p.warnings, tc.warnings)
			}
		})
	}
}

func checkSecurity(t *testing.T, pod *corev1.Pod, want map[string]*corev1.SecurityContext) {
	t.Helper()
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range list {
			if !reflect.DeepEqual(c.SecurityContext, want[c.Name]) {
				t.Errorf("container %q securityContext:\n got %s\nwant %s", c.Name, toJSON(c.SecurityContext), toJSON(want[c.Name]))
			}
		}
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestPlanKeepsAnExistingLogEverythingProfile(t *testing.T) {
	p, err := plan(pod([]string{"a"}, withPodSeccomp(logEverything()), withAnnotations()),
		[]v1.ProfileRecording{recording("rec", v1.RecordingSeccompProfile, v1.RecorderLogs)}, testNonce, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.security) != 0 || len(p.warnings) != 0 {
		t.Errorf("got changes %v, warnings %q; the pod already logs everything", p.security, p.warnings)
	}
}

func TestPlanRefusesImpossibleCombinations(t *testing.T) {
	for _, rec := range []v1.ProfileRecording{
		recording("se-bpf", v1.RecordingSelinuxProfile, v1.RecorderBpf),
		recording("aa-logs", v1.RecordingAppArmorProfile, v1.RecorderLogs),
		recording("empty", "", ""),
	} {
		_, err := plan(pod([]string{"a"}), []v1.ProfileRecording{rec}, testNonce, testNow)
		if err == nil || !strings.Contains(err.Error(), `ProfileRecording "`+rec.Name+`"`) {
			t.Errorf("%s: got %v, want an error naming the recording", rec.Name, err)
		}
	}
	// A bad recording that selects nothing does not block other pods.
	bad := recording("se-bpf", v1.RecordingSelinuxProfile, v1.RecorderBpf, selecting("app", "db"))
	if _, err := plan(pod([]string{"a"}), []v1.ProfileRecording{bad}, testNonce, testNow); err != nil {
		t.Errorf("unselected bad recording: %v", err)
	}
}
