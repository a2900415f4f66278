package recordingmerger

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

func recording(disable bool) *v1.ProfileRecording {
	return &v1.ProfileRecording{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rec"},
		Spec:       v1.ProfileRecordingSpec{MergeStrategy: v1.MergeContainers, DisableProfileAfterRecording: disable},
	}
}

func partial(name string, allowed ...string) v1.SeccompProfile {
	p := profile(name, v1.ActErrno, allow(allowed...))
	p.Labels = map[string]string{LabelRecording: "rec", LabelRecordingNamespace: "ns",
		LabelContainer: "web", v1.LabelPartial: "true"}
	return p
}

func TestMergedProfile(t *testing.T) {
	partials := []v1.SeccompProfile{partial("rec-web", "read"), partial("rec-web-abc12", "read", "write")}
	first, err := MergedProfile(recording(false), "web", partials, nil)
	if err != nil {
		t.Fatalf("MergedProfile: %v", err)
	}

	t.Run("the merged profile is named, labelled (spo's and SPO's labels) and annotated for the container", func(t *testing.T) {
		want := map[string]string{LabelRecording: "rec", LabelRecordingNamespace: "ns", LabelContainer: "web",
			v1.LabelRecordingID: "rec", v1.LabelContainerID: "web"}
		if first.Name != "rec-web" || !equality.Semantic.DeepEqual(first.Labels, want) {
			t.Errorf("got %s %v, want rec-web %v", first.Name, first.Labels, want)
		}
		if got := first.Annotations[AnnotationCoverage]; got != `{"rec-web":0.5,"rec-web-abc12":1}` {
			t.Errorf("coverage = %s", got)
		}
		if first.Spec.State != v1.ProfileEnabled {
			t.Errorf("state = %s, want Enabled", first.Spec.State)
		}
	})

	t.Run("a recording that disables its profiles gets a Disabled profile", func(t *testing.T) {
		got, err := MergedProfile(recording(true), "web", partials, nil)
		if err != nil || got.Spec.State != v1.ProfileDisabled {
			t.Errorf("state = %v (%v), want Disabled", got, err)
		}
	})

	t.Run("a partial holding the merged name is merged, not treated as an earlier result", func(t *testing.T) {
		got, err := MergedProfile(recording(false), "web", partials, &partials[0])
		if err != nil || !equality.Semantic.DeepEqual(got, first) {
			t.Errorf("got %+v (%v), want %+v", got, err, first)
		}
	})

	t.Run("a second pass over an interrupted first one gives the same profile", func(t *testing.T) {
		// The first pass wrote the result in place of "rec-web" and deleted
		// nothing else yet: only "rec-web-abc12" is still partial.
		got, err := MergedProfile(recording(false), "web", partials[1:], first)
		if err != nil || !equality.Semantic.DeepEqual(got, first) {
			t.Errorf("got %+v (%v), want %+v", got, err, first)
		}
	})

	t.Run("an earlier result with nothing left to merge is unchanged", func(t *testing.T) {
		got, err := MergedProfile(recording(false), "web", nil, first)
		if err != nil || !equality.Semantic.DeepEqual(got, first) {
			t.Errorf("got %+v (%v), want %+v", got, err, first)
		}
	})
}
