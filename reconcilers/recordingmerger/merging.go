package recordingmerger

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/secprofiles/spo/api/v1"
)

// partialsByContainer returns rec's partial profiles by container, each
// group sorted by name so that merging does not depend on list order.
func (r *Reconciler) partialsByContainer(ctx context.Context, rec *v1.ProfileRecording) (map[string][]v1.SeccompProfile, error) {
	var list, spos v1.SeccompProfileList
	if err := r.List(ctx, &list, client.MatchingLabels{
		LabelRecording: rec.Name, LabelRecordingNamespace: rec.Namespace, v1.LabelPartial: "true",
	}); err != nil {
		return nil, fmt.Errorf("listing partial profiles of ProfileRecording %s/%s: %w", rec.Namespace, rec.Name, err)
	}
	// Partials SPO recorded carry only its labels.
	if err := r.List(ctx, &spos, client.MatchingLabels{
		v1.LabelRecordingID: rec.Name, LabelRecordingNamespace: rec.Namespace, v1.LabelPartial: "true",
	}); err != nil {
		return nil, fmt.Errorf("listing partial profiles of ProfileRecording %s/%s: %w", rec.Namespace, rec.Name, err)
	}
	groups := map[string][]v1.SeccompProfile{}
	seen := map[string]bool{}
	for _, p := range append(list.Items, spos.Items...) {
		if seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		container := cmp.Or(p.Labels[LabelContainer], p.Labels[v1.LabelContainerID])
		if container == "" {
			// Without the container we cannot know what to merge it with;
			// it stays for a person to look at.
			log.FromContext(ctx).Info("Partial profile without a container label left alone", "profile", p.Name)
			continue
		}
		groups[container] = append(groups[container], p)
	}
	for _, g := range groups {
		slices.SortFunc(g, func(a, b v1.SeccompProfile) int { return strings.Compare(a.Name, b.Name) })
	}
	return groups, nil
}

// mergeContainer writes the merged profile of one container, then deletes
// its partials: in this order, an interrupted pass loses nothing.
func (r *Reconciler) mergeContainer(ctx context.Context, rec *v1.ProfileRecording, container string,
	partials []v1.SeccompProfile) error {
	name := MergedName(rec.Name, container)
	existing := &v1.SeccompProfile{}
	if err := r.Get(ctx, types.NamespacedName{Name: name}, existing); apierrors.IsNotFound(err) {
		existing = nil
	} else if err != nil {
		return fmt.Errorf("getting SeccompProfile %s: %w", name, err)
	}
	if existing != nil && !isResultOf(existing, rec, container) {
		return fmt.Errorf("%w: SeccompProfile %s exists and was not recorded for this container", ErrConflict, name)
	}
	desired, err := MergedProfile(rec, container, partials, existing)
	if err != nil {
		return err
	}
	if err := r.write(ctx, existing, desired); err != nil {
		return err
	}
	if err := r.deletePartials(ctx, name, partials); err != nil {
		return err
	}
	r.Recorder.Eventf(rec, nil, corev1.EventTypeNormal, "Merged", "Merge",
		"Merged %d partial profile(s) of container %s into SeccompProfile %s", len(partials), container, name)
	return nil
}

// MergedName is the name of the profile a container's partials merge into.
func MergedName(recording, container string) string { return recording + "-" + container }

func isResultOf(p *v1.SeccompProfile, rec *v1.ProfileRecording, container string) bool {
	return p.Labels[LabelRecording] == rec.Name && p.Labels[LabelRecordingNamespace] == rec.Namespace &&
		p.Labels[LabelContainer] == container
}

// MergedProfile returns the profile container's partials merge into.
// previous is the object that already has the merged name, or nil: when it
// is an earlier merge result (not partial), it is merged in too and its
// coverage entries are kept, so a repeated pass gives the same object.
func MergedProfile(rec *v1.ProfileRecording, container string, partials []v1.SeccompProfile,
	previous *v1.SeccompProfile) (*v1.SeccompProfile, error) {
	inputs := slices.Clone(partials)
	wasMerged := previous != nil && previous.Labels[v1.LabelPartial] != "true"
	if wasMerged {
		inputs = append(inputs, *previous)
	}
	spec, err := Merge(inputs)
	if err != nil {
		return nil, err
	}
	spec.State = v1.ProfileEnabled
	if rec.Spec.DisableProfileAfterRecording {
		spec.State = v1.ProfileDisabled
	}
	coverage := Coverage(&spec, partials)
	if wasMerged {
		var before map[string]float64
		// A malformed annotation only loses history; the merge still holds.
		_ = json.Unmarshal([]byte(previous.Annotations[AnnotationCoverage]), &before)
		for name, share := range before {
			if _, ok := coverage[name]; !ok {
				coverage[name] = share
			}
		}
	}
	encoded, err := json.Marshal(coverage) // map keys come out sorted
	if err != nil {
		return nil, fmt.Errorf("encoding coverage: %w", err)
	}
	return &v1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{
			Name: MergedName(rec.Name, container),
			Labels: map[string]string{
				LabelRecording: rec.Name, LabelRecordingNamespace: rec.Namespace, LabelContainer: container,
				v1.LabelRecordingID: rec.Name, v1.LabelContainerID: container,
			},
			Annotations: map[string]string{AnnotationCoverage: string(encoded)},
		},
		Spec: spec,
	}, nil
}

// write creates desired, or makes existing match it: its spec, our labels
// (without v1.LabelPartial) and the coverage annotation. Other labels,
// annotations and finalizers of existing are someone else's and stay.
func (r *Reconciler) write(ctx context.Context, existing, desired *v1.SeccompProfile) error {
	if existing == nil {
		if err := r.Create(ctx, desired); err != nil {
			return fmt.Errorf("creating SeccompProfile %s: %w", desired.Name, err)
		}
		return nil
	}
	updated := existing.DeepCopy()
	if updated.Labels == nil {
		updated.Labels = map[string]string{}
	}
	delete(updated.Labels, v1.LabelPartial)
	maps.Copy(updated.Labels, desired.Labels)
	if updated.Annotations == nil {
		updated.Annotations = map[string]string{}
	}
	maps.Copy(updated.Annotations, desired.Annotations)
	updated.Spec = desired.Spec
	if equality.Semantic.DeepEqual(existing, updated) {
		return nil
	}
	if err := r.Update(ctx, updated); err != nil {
		return fmt.Errorf("updating SeccompProfile %s: %w", desired.Name, err)
	}
	return nil
}

// deletePartials deletes the partials except the one that became the merged
// profile. The UID precondition keeps a partial recreated meanwhile under
// the same name (a new recording) from being deleted unmerged.
func (r *Reconciler) deletePartials(ctx context.Context, merged string, partials []v1.SeccompProfile) error {
	for i := range partials {
		p := &partials[i]
		if p.Name == merged {
			continue
		}
		err := r.Delete(ctx, p, client.Preconditions{UID: &p.UID})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("deleting partial SeccompProfile %s: %w", p.Name, err)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
