package binding

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	v1 "github.com/secprofiles/spo/api/v1"
)

// AnyImage is the image of a default binding: it applies to every
// container that no exact-image binding for the same field matched.
const AnyImage = "*"

// assignment is one binding chosen to write one field of one container.
type assignment struct {
	target  target
	field   field
	binding *v1.ProfileBinding
}

// choose picks, for every target and field, the binding that applies to
// it: the oldest exact-image binding for that field if any matched the
// container (installed or not), otherwise the oldest "*" binding for that
// field. Every binding that matched but lost, or that could not be
// evaluated, comes back as an outcome with a warning.
//
// It costs one map lookup per target plus the bindings that want it, so a
// pod's cost grows with its containers, not with containers times bindings.
func choose(pod *corev1.Pod, targets []target, bindings []*v1.ProfileBinding) ([]assignment, []outcome) {
	matching, outcomes := selecting(pod, bindings)
	// Oldest first, so the first binding seen for a field is the winner.
	slices.SortFunc(matching, older)
	byImage := make(map[string][]*v1.ProfileBinding, len(matching))
	for _, b := range matching {
		k := ImageKey(b.Spec.Image)
		byImage[k] = append(byImage[k], b)
	}
	defaults := byImage[AnyImage]

	var chosen []assignment
	for _, t := range targets {
		exact, lost := pick(t, byImage[t.image], nil)
		chosen = append(chosen, exact...)
		outcomes = append(outcomes, lost...)
		fallback, lost := pick(t, defaults, exact)
		chosen = append(chosen, fallback...)
		outcomes = append(outcomes, lost...)
	}
	return chosen, outcomes
}

// pick returns the winning binding per field among sorted for target t,
// skipping the fields already taken, and an "ignored" outcome for each of
// the others.
func pick(t target, sorted []*v1.ProfileBinding, taken []assignment) ([]assignment, []outcome) {
	var won []assignment
	var lost []outcome
	for _, b := range sorted {
		f, ok := fieldOf(b.Spec.ProfileRef.Kind)
		if !ok || slices.ContainsFunc(taken, func(a assignment) bool { return a.field == f }) {
			continue
		}
		a := assignment{target: t, field: f, binding: b}
		i := slices.IndexFunc(won, func(w assignment) bool { return w.field == f })
		if i < 0 {
			won = append(won, a)
			continue
		}
		lost = append(lost, outcome{assignment: a, verdict: verdictIgnored, message: fmt.Sprintf(
			"%s: ProfileBinding %s ignored; ProfileBinding %s also sets %s and wins (oldest first, then by name)",
			t, nameOf(b), nameOf(won[i].binding), f)})
	}
	return won, lost
}

// selecting returns the bindings whose podSelector matches the pod. A
// selector the API server accepted but labels cannot parse matches nothing,
// with a warning, rather than failing the pod.
func selecting(pod *corev1.Pod, bindings []*v1.ProfileBinding) ([]*v1.ProfileBinding, []outcome) {
	var matching []*v1.ProfileBinding
	var invalid []outcome
	for _, b := range bindings {
		ok, err := selects(b, pod)
		if err != nil {
			invalid = append(invalid, outcome{
				assignment: assignment{binding: b}, verdict: verdictInvalid,
				message: fmt.Sprintf("ProfileBinding %s ignored: %v", nameOf(b), err),
			})
		}
		if ok {
			matching = append(matching, b)
		}
	}
	return matching, invalid
}

// selects reports whether b's podSelector matches pod's labels; a binding
// without a selector selects every pod.
func selects(b *v1.ProfileBinding, pod *corev1.Pod) (bool, error) {
	if b.Spec.PodSelector == nil {
		return true, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(b.Spec.PodSelector)
	if err != nil {
		return false, fmt.Errorf("parsing podSelector: %w", err)
	}
	return sel.Matches(labels.Set(pod.Labels)), nil
}

// older orders bindings by creation time, then by name, so that the same
// set of bindings always yields the same winner.
func older(a, b *v1.ProfileBinding) int {
	if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

func nameOf(b *v1.ProfileBinding) string { return b.Namespace + "/" + b.Name }
