package config

import (
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
)

// Namespace labels that opt a namespace in to a webhook (their value does
// not matter), and the label the API server puts on every namespace.
const (
	BindingLabel       = "spo.x-k8s.io/enable-binding"
	RecordingLabel     = "spo.x-k8s.io/enable-recording"
	namespaceNameLabel = "kubernetes.io/metadata.name"
)

// PartOfLabel marks the objects of the webhook components.
const PartOfLabel = "app.kubernetes.io/part-of"

// webhookKind is what differs between the two webhooks.
type webhookKind struct {
	name, path, optIn string
	reinvocation      admissionregistrationv1.ReinvocationPolicyType
}

// kinds are the webhooks of the configuration, in the order they are listed.
//
// Binding is reinvoked if a later webhook changes the pod: it is idempotent
// (the same pod maps to the same profiles), and a later mutator that sets a
// securityContext, or injects a container whose image is bound, must not
// bypass a binding. Recording is not: its annotations carry a nonce and a
// timestamp, so a second call would only replace its own values.
var kinds = []webhookKind{
	{webhooks.BindingWebhookName, webhooks.BindingPath, BindingLabel, admissionregistrationv1.IfNeededReinvocationPolicy},
	{webhooks.RecordingWebhookName, webhooks.RecordingPath, RecordingLabel, admissionregistrationv1.NeverReinvocationPolicy},
}

// desiredWebhooks are the webhook entries of the configuration for the
// SPOD's webhook settings.
func desiredWebhooks(opts Options, settings v1.WebhookConfig) []admissionregistrationv1.MutatingWebhook {
	out := make([]admissionregistrationv1.MutatingWebhook, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, desiredWebhook(opts, k, overridesFor(settings, k.name)))
	}
	return out
}

func desiredWebhook(opts Options, k webhookKind, o *v1.WebhookOptions) admissionregistrationv1.MutatingWebhook {
	w := admissionregistrationv1.MutatingWebhook{
		Name:         k.name,
		ClientConfig: opts.admissionClient(k.path),
		Rules: []admissionregistrationv1.RuleWithOperations{{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
			Rule: admissionregistrationv1.Rule{
				APIGroups:   []string{""},
				APIVersions: []string{"v1"},
				Resources:   []string{"pods"},
				Scope:       ptr.To(admissionregistrationv1.NamespacedScope),
			},
		}},
		// Ignore: a webhook that is down must not stop pod creation
		// cluster-wide (DESIGN §6.3); users who prefer a refusal over an
		// unprofiled pod set Fail in the SPOD.
		FailurePolicy:           ptr.To(admissionregistrationv1.Ignore),
		MatchPolicy:             ptr.To(admissionregistrationv1.Equivalent),
		NamespaceSelector:       &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: k.optIn, Operator: metav1.LabelSelectorOpExists}}},
		ObjectSelector:          &metav1.LabelSelector{},
		SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
		TimeoutSeconds:          ptr.To[int32](10),
		AdmissionReviewVersions: []string{"v1"},
		ReinvocationPolicy:      ptr.To(k.reinvocation),
	}
	if o != nil {
		if o.FailurePolicy != nil {
			w.FailurePolicy = ptr.To(*o.FailurePolicy)
		}
		// Selectors are replaced wholesale: merging a user's selector with
		// the opt-in label would make it impossible to select namespaces
		// without that label.
		if o.NamespaceSelector != nil {
			w.NamespaceSelector = o.NamespaceSelector.DeepCopy()
		}
		if o.ObjectSelector != nil {
			w.ObjectSelector = o.ObjectSelector.DeepCopy()
		}
	}
	// Always, even on a user's selector: the operator's own pods (among
	// them the webhook server) must never wait on the webhook, or a cold
	// start with failurePolicy Fail could never schedule the server.
	w.NamespaceSelector = excludingNamespace(w.NamespaceSelector, opts.Namespace)
	return w
}

// overridesFor returns the SPOD's options for the named webhook, if any.
func overridesFor(settings v1.WebhookConfig, name string) *v1.WebhookOptions {
	i := slices.IndexFunc(settings.Options, func(o v1.WebhookOptions) bool { return o.Name == name })
	if i < 0 {
		return nil
	}
	return &settings.Options[i]
}

// excludingNamespace adds "not in namespace ns" to sel (a copy it owns).
func excludingNamespace(sel *metav1.LabelSelector, ns string) *metav1.LabelSelector {
	exclude := metav1.LabelSelectorRequirement{Key: namespaceNameLabel, Operator: metav1.LabelSelectorOpNotIn, Values: []string{ns}}
	for _, r := range sel.MatchExpressions {
		if r.Key == exclude.Key && r.Operator == exclude.Operator && slices.Equal(r.Values, exclude.Values) {
			return sel
		}
	}
	sel.MatchExpressions = append(sel.MatchExpressions, exclude)
	return sel
}
