package binding

import (
	"context"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/secprofiles/spo/api/v1"
)

// logOutcomes writes one line per decision, so that "why did my pod get
// this profile (or not)" is answered from the webhook's log alone.
// Decisions without a message that differ only in their container (one
// binding setting the same value on many containers) share one line listing
// the containers: a pod of thousands of containers must not cost thousands
// of lines.
func logOutcomes(ctx context.Context, pod *corev1.Pod, outcomes []outcome, admitted bool) {
	logger := log.FromContext(ctx).WithValues("pod", podName(pod))
	if len(outcomes) == 0 {
		logger.V(1).Info("No binding matched")
		return
	}
	type group struct {
		binding                  *v1.ProfileBinding
		verdict                  verdict
		field                    field
		value, previous, message string
	}
	var order []group
	containers := map[group][]string{}
	for _, o := range outcomes {
		container := o.target.name
		if o.verdict == verdictInvalid {
			container = "(pod)"
		}
		g := group{o.binding, o.verdict, o.field, o.value, o.previous, o.message}
		if o.message != "" {
			logDecision(logger, g.binding, g.verdict, g.value, g.previous, g.message, []string{container}, admitted)
			continue
		}
		if _, seen := containers[g]; !seen {
			order = append(order, g)
		}
		containers[g] = append(containers[g], container)
	}
	for _, g := range order {
		logDecision(logger, g.binding, g.verdict, g.value, g.previous, g.message, containers[g], admitted)
	}
}

func logDecision(logger logr.Logger, b *v1.ProfileBinding, v verdict, value, previous, message string, containers []string, admitted bool) {
	ref := b.Spec.ProfileRef
	kv := []any{"binding", nameOf(b), "profile", string(ref.Kind) + "/" + ref.Name, "decision", string(v)}
	if len(containers) == 1 {
		kv = append(kv, "container", containers[0])
	} else {
		kv = append(kv, "containers", containers)
	}
	if value != "" {
		kv = append(kv, "value", value)
	}
	if previous != "" {
		kv = append(kv, "previous", previous)
	}
	if message != "" {
		kv = append(kv, "message", message)
	}
	if v == verdictNotInstalled && !admitted {
		kv = append(kv, "denied", true)
	}
	logger.Info("Binding decision", kv...)
}

// recordEvents records a Warning Event on each binding whose profile could
// not be applied, so that its owner sees it with `kubectl describe`. A
// dry-run must leave no trace, Events included.
func (h *Handler) recordEvents(req admission.Request, pod *corev1.Pod, outcomes []outcome, admitted bool) {
	if isDryRun(req.AdmissionRequest) {
		return
	}
	action, suffix := "Admit", "pod admitted without it"
	if !admitted {
		action, suffix = "Deny", "pod denied"
	}
	// One Event per binding: its message does not depend on the container.
	recorded := map[*v1.ProfileBinding]bool{}
	for _, o := range outcomes {
		if o.verdict != verdictNotInstalled || recorded[o.binding] {
			continue
		}
		recorded[o.binding] = true
		h.recorder.Eventf(o.binding, nil, corev1.EventTypeWarning, ReasonProfileNotInstalled, action,
			"Pod %s: %s; %s", podName(pod), o.message, suffix)
	}
}

func isDryRun(req admissionv1.AdmissionRequest) bool {
	return req.DryRun != nil && *req.DryRun
}
