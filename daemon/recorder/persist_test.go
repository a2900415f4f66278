package recorder

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestMergeDecision(t *testing.T) {
	st := &State{Key: "rec_app_ab12c_1700000000", PodUID: "pod-1", Namespace: "shop", Container: "app",
		Recording: "rec", RecordingUID: "rec-uid"}
	owned := ProfileLabels(st)
	with := func(labels map[string]string, annotations map[string]string, mutate ...func(*v1.SeccompProfile)) v1.Profile {
		p := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: "rec-app", Labels: labels, Annotations: annotations}}
		for _, m := range mutate {
			m(p)
		}
		return p
	}
	relabel := func(k, v string) map[string]string {
		l := map[string]string{}
		for kk, vv := range owned {
			l[kk] = vv
		}
		if v == "" {
			delete(l, k)
		} else {
			l[k] = v
		}
		return l
	}
	now := metav1.NewTime(time.Now())
	for name, tt := range map[string]struct {
		existing v1.Profile
		want     mergeAction
	}{
		"finds its own result done": {
			with(owned, map[string]string{AnnotationRecordedFrom: RecordedFrom(st)}), mergeDone},
		"extends a profile another replica of the same recording made": {
			with(owned, map[string]string{AnnotationRecordedFrom: "rec_app_zzzzz_1700000000/pod-2"}), mergeExtend},
		"refuses a profile made by hand, without labels": {
			with(nil, nil), mergeConflict},
		"refuses a profile with copied labels but no recording UID": {
			with(relabel(v1.LabelRecordingUID, ""), nil), mergeConflict},
		"refuses a profile left by an earlier recording of the same name": {
			with(relabel(v1.LabelRecordingUID, "old-uid"), nil), mergeConflict},
		"refuses a profile of another namespace's recording of the same name": {
			with(relabel("spo.x-k8s.io/recording-namespace", "other"), nil), mergeConflict},
		"refuses a profile of another container": {
			with(relabel("spo.x-k8s.io/container", "sidecar"), nil), mergeConflict},
		"refuses a foreign profile that carries this recording's recorded-from value": {
			with(nil, map[string]string{AnnotationRecordedFrom: RecordedFrom(st)}), mergeConflict},
		"refuses a foreign profile that carries the bare annotation value": {
			with(relabel(v1.LabelRecordingUID, "x"), map[string]string{AnnotationRecordedFrom: st.Key}), mergeConflict},
		"does not extend its own profile while it is being deleted": {
			with(owned, nil, func(p *v1.SeccompProfile) { p.DeletionTimestamp = &now; p.Finalizers = []string{"x"} }), mergeConflict},
	} {
		t.Run(name, func(t *testing.T) {
			if got := mergeDecision(tt.existing, st); got != tt.want {
				t.Errorf("mergeDecision = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOwnedNeedsARecordingUID(t *testing.T) {
	st := &State{Recording: "rec", Namespace: "shop", Container: "app"}
	if Owned(ProfileLabels(st), st) {
		t.Error("a record without a recording UID owns a profile with an empty UID label")
	}
}
