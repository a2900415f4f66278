package binding

import (
	"context"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// logOutcomes writes one line per decision, so that "why did my pod get
// this profile (or not)" is answered from the webhook's log alone.
func logOutcomes(ctx context.Context, pod *corev1.Pod, outcomes []outcome, admitted bool) {
	logger := log.FromContext(ctx).WithValues("pod", podName(pod))
	if len(outcomes) == 0 {
		logger.V(1).Info("No binding matched")
		return
	}
	for _, o := range outcomes {
		ref := o.binding.Spec.ProfileRef
		container := o.target.name
		if o.verdict == verdictInvalid {
			container = "(pod)"
		}
		kv := []any{
			"container", container, "binding", nameOf(o.binding),
			"profile", string(ref.Kind) + "/" + ref.Name, "decision", string(o.verdict),
		}
		if o.value != "" {
			kv = append(kv, "value", o.value)
		}
		if o.previous != "" {
			kv = append(kv, "previous", o.previous)
		}
		if o.message != "" {
			kv = append(kv, "message", o.message)
		}
		if o.verdict == verdictNotInstalled && !admitted {
			kv = append(kv, "denied", true)
		}
		logger.Info("Binding decision", kv...)
	}
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
	for _, o := range outcomes {
		if o.verdict != verdictNotInstalled {
			continue
		}
		h.recorder.Eventf(o.binding, nil, corev1.EventTypeWarning, ReasonProfileNotInstalled, action,
			"Pod %s: %s; %s", podName(pod), o.message, suffix)
	}
}

func isDryRun(req admissionv1.AdmissionRequest) bool {
	return req.DryRun != nil && *req.DryRun
}
