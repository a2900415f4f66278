package recorder

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/profilemerge"
	"github.com/secprofiles/spo/reconcilers/recordingmerger"
)

// ReasonProfileConflict means the profile name is taken by a profile that
// this ProfileRecording did not create for this container.
const ReasonProfileConflict = "ProfileNameTaken"

// persist creates the profile or, when its name is taken, decides what the
// existing one is: this recording's own result (done already), another
// recording of the same ProfileRecording and container (extend it), or
// anything else (refuse, write nothing, and retry later: a person has to
// resolve it).
func (r *Reconciler) persist(ctx context.Context, st *State, obj v1.Profile) error {
	err := r.Create(ctx, obj)
	if err == nil || !apierrors.IsAlreadyExists(err) {
		return err
	}
	existing := obj.DeepCopyObject().(v1.Profile)
	// Uncached: the daemon does not cache SELinux and AppArmor profiles, and
	// this read is rare (a name conflict) and must see the latest version.
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(obj), existing); err != nil {
		return fmt.Errorf("reading existing %s %s: %w", st.Kind, st.Profile, err)
	}
	switch mergeDecision(existing, st) {
	case mergeDone:
		return nil
	case mergeExtend:
		if err := MergeInto(existing, obj); err != nil {
			return err
		}
		if gap, ok := obj.GetAnnotations()[v1.AnnotationRecordingGap]; ok {
			// The union is only as complete as its least complete part.
			a := existing.GetAnnotations()
			if a == nil {
				a = map[string]string{}
			}
			if old := a[v1.AnnotationRecordingGap]; old != "" && old != gap {
				gap = old + "," + gap
			}
			a[v1.AnnotationRecordingGap] = gap
			existing.SetAnnotations(a)
		}
		log.FromContext(ctx).Info("Extending a recorded profile", "profile", st.Profile, "key", st.Key)
		return r.Update(ctx, existing)
	default:
		r.warn(st, ReasonProfileConflict, "container %s: %s %s exists and was not created by ProfileRecording %s/%s (labels %s=%s, %s=%s); nothing written, retrying until it is deleted or renamed",
			st.Container, st.Kind, st.Profile, st.Namespace, st.Recording, recordingmerger.LabelRecording, st.Recording,
			v1.LabelRecordingUID, st.RecordingUID)
		return fmt.Errorf("%s %s exists and is not a recording of %s", st.Kind, st.Profile, st)
	}
}

type mergeAction int

const (
	mergeConflict mergeAction = iota
	mergeDone
	mergeExtend
)

// mergeDecision says what to do with an existing profile of the name a
// recording wants. Ownership comes first: a profile this recording did not
// create is never written, whatever its annotations say.
func mergeDecision(existing v1.Profile, st *State) mergeAction {
	switch {
	case !Owned(existing.GetLabels(), st):
		return mergeConflict
	case existing.GetAnnotations()[AnnotationRecordedFrom] == RecordedFrom(st):
		return mergeDone
	case existing.GetDeletionTimestamp().IsZero():
		return mergeExtend
	}
	return mergeConflict
}

// MergeInto extends existing with the spec of recorded (same kind).
func MergeInto(existing, recorded v1.Profile) error {
	switch e := existing.(type) {
	case *v1.SeccompProfile:
		profilemerge.Seccomp(&e.Spec, recorded.(*v1.SeccompProfile).Spec)
	case *v1.SelinuxProfile:
		profilemerge.Selinux(&e.Spec, recorded.(*v1.SelinuxProfile).Spec)
	case *v1.AppArmorProfile:
		profilemerge.AppArmor(&e.Spec, recorded.(*v1.AppArmorProfile).Spec)
	default:
		return fmt.Errorf("cannot merge %T", existing)
	}
	return nil
}
