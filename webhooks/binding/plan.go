package binding

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// verdict is what happened to one binding for one target; it is the
// "decision" of the log line.
type verdict string

const (
	// verdictSet writes the reference into an empty field.
	verdictSet verdict = "set"
	// verdictReplaced overwrites a different value, with a warning.
	verdictReplaced verdict = "replaced"
	// verdictUnchanged means the field already held the reference.
	verdictUnchanged verdict = "unchanged"
	// verdictNotInstalled leaves the target alone: the profile is missing
	// or not ready. It warns, records an Event and may deny.
	verdictNotInstalled verdict = "notInstalled"
	// verdictIgnored is a binding that lost to an older one.
	verdictIgnored verdict = "ignored"
	// verdictInvalid is a binding whose podSelector cannot be evaluated.
	verdictInvalid verdict = "invalidSelector"
	// verdictShadowed is a container whose own value wins over the
	// pod-level value a "*" binding set.
	verdictShadowed verdict = "shadowed"
)

// outcome is one decision: what it does to the pod, the warning it gives
// (if any) and everything its log line needs.
type outcome struct {
	assignment
	verdict  verdict
	value    string
	previous string
	message  string
}

// changes reports whether the outcome writes to the pod.
func (o outcome) changes() bool {
	return o.verdict == verdictSet || o.verdict == verdictReplaced
}

// plan decides what each chosen binding does to the pod, given what the
// profiles publish. It does not modify the pod; apply does.
func plan(pod *corev1.Pod, chosen []assignment, profiles map[profileKey]profileInfo) []outcome {
	var outcomes []outcome
	for _, a := range chosen {
		o := decide(pod, a, profiles[keyOf(a.binding)])
		outcomes = append(outcomes, o)
		if a.target.isPod() && o.changes() {
			outcomes = append(outcomes, shadowed(pod, o)...)
		}
	}
	return outcomes
}

func decide(pod *corev1.Pod, a assignment, info profileInfo) outcome {
	o := outcome{assignment: a, value: info.value}
	if why := info.unusable(keyOf(a.binding)); why != "" {
		o.verdict = verdictNotInstalled
		o.message = fmt.Sprintf("ProfileBinding %s: %s", nameOf(a.binding), why)
		return o
	}
	if holds(pod, a.target, a.field, info.value) {
		o.verdict = verdictUnchanged
		return o
	}
	o.previous = describe(pod, a.target, a.field)
	if o.previous == "" {
		o.verdict = verdictSet
		return o
	}
	o.verdict = verdictReplaced
	o.message = fmt.Sprintf("%s: %s %s replaced by %s from ProfileBinding %s",
		a.target, a.field, o.previous, o.value, nameOf(a.binding))
	return o
}

// shadowed warns about the containers that keep their own value of the
// field a "*" binding set for the pod: a container's value wins over the
// pod's, and "*" is a default, not an override.
func shadowed(pod *corev1.Pod, set outcome) []outcome {
	var out []outcome
	forEachContainer(pod, func(t target, _ *corev1.Container) {
		own := describe(pod, t, set.field)
		if own == "" || holds(pod, t, set.field, set.value) {
			return
		}
		out = append(out, outcome{
			assignment: assignment{target: t, field: set.field, binding: set.binding},
			verdict:    verdictShadowed, value: set.value, previous: own,
			message: fmt.Sprintf("%s: its own %s %s wins over the pod-level %s from ProfileBinding %s",
				t, set.field, own, set.value, nameOf(set.binding)),
		})
	})
	return out
}

// apply writes every change into pod.
func apply(pod *corev1.Pod, outcomes []outcome) {
	for _, o := range outcomes {
		if !o.changes() {
			continue
		}
		writableSlot(pod, o.target).set(o.field, o.value)
		syncAnnotation(pod, o)
	}
}

// changed reports whether any outcome writes to the pod.
func changed(outcomes []outcome) bool {
	for _, o := range outcomes {
		if o.changes() {
			return true
		}
	}
	return false
}

// notInstalled returns the messages of the bindings whose profile could not
// be applied: the denial, when the options ask for one.
func notInstalled(outcomes []outcome) []string {
	var out []string
	for _, o := range outcomes {
		if o.verdict == verdictNotInstalled {
			out = append(out, o.message)
		}
	}
	return out
}

// admittedWarnings are the warnings of an admitted pod; a profile that was
// not applied says so.
func admittedWarnings(outcomes []outcome) []string {
	var out []string
	for _, o := range outcomes {
		switch {
		case o.verdict == verdictNotInstalled:
			out = append(out, o.message+"; pod admitted without it")
		case o.message != "":
			out = append(out, o.message)
		}
	}
	return out
}
