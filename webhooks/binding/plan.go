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
	outcomes := make([]outcome, 0, len(chosen))
	for _, a := range chosen {
		outcomes = append(outcomes, decide(pod, a, profiles[keyOf(a.binding)]))
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

// maxWarnings bounds the warnings of one response: a pod with thousands of
// containers under two competing "*" bindings would otherwise send one
// warning per container, and the API server truncates long warning lists
// anyway. Every decision is still in the webhook's log.
const maxWarnings = 20

// admittedWarnings are the warnings of an admitted pod; a profile that was
// not applied says so.
func admittedWarnings(outcomes []outcome) []string {
	var out []string
	more := 0
	for _, o := range outcomes {
		msg := o.message
		switch {
		case o.verdict == verdictNotInstalled:
			msg += "; pod admitted without it"
		case msg == "":
			continue
		}
		if len(out) == maxWarnings {
			more++
			continue
		}
		out = append(out, msg)
	}
	if more > 0 {
		out = append(out, fmt.Sprintf("%d more binding warnings; the webhook's log has every decision", more))
	}
	return out
}
