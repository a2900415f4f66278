package recorder

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/secprofiles/spo/api/v1"
)

// ReasonProfileConflict means the profile name is taken by a profile that
// is not a recording of this recording and container.
const ReasonProfileConflict = "ProfileNameTaken"

// persist creates the profile or, when its name is taken, decides what the
// existing one is: this recording's own result (done already), another
// recording of the same recording and container (extend it), or someone
// else's (refuse and retry later: a person has to resolve it).
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
		log.FromContext(ctx).Info("Extending a recorded profile", "profile", st.Profile, "key", st.Key)
		return r.Update(ctx, existing)
	default:
		r.warn(st, ReasonProfileConflict, "container %s: %s %s exists and was not recorded by recording %s; keeping the recording to retry",
			st.Container, st.Kind, st.Profile, st.Recording)
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
// recording wants.
func mergeDecision(existing v1.Profile, st *State) mergeAction {
	switch {
	case existing.GetAnnotations()[AnnotationRecordedFrom] == st.Key:
		return mergeDone
	case sameRecording(existing.GetLabels(), st) && existing.GetDeletionTimestamp().IsZero():
		return mergeExtend
	}
	return mergeConflict
}

// MergeInto extends existing with the spec of recorded (same kind).
func MergeInto(existing, recorded v1.Profile) error {
	switch e := existing.(type) {
	case *v1.SeccompProfile:
		MergeSeccomp(&e.Spec, recorded.(*v1.SeccompProfile).Spec)
	case *v1.SelinuxProfile:
		MergeSelinux(&e.Spec, recorded.(*v1.SelinuxProfile).Spec)
	case *v1.AppArmorProfile:
		MergeAppArmor(&e.Spec, recorded.(*v1.AppArmorProfile).Spec)
	default:
		return fmt.Errorf("cannot merge %T", existing)
	}
	return nil
}
