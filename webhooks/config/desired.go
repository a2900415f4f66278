package config

import (
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
	"github.com/secprofiles/spo/webhooks/nodedebuggingpod"
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
	// name is spo's, spoName SPO's for the same webhook; the
	// configuration uses name.
	name, spoName, path, optIn string
	reinvocation               admissionregistrationv1.ReinvocationPolicyType
	// objectSelector is the default one; nil selects every object.
	objectSelector *metav1.LabelSelector
	failurePolicy  admissionregistrationv1.FailurePolicyType
	rules          []admissionregistrationv1.RuleWithOperations
}

// kinds are the webhooks of the configuration, in the order they are listed.
//
// Binding is reinvoked if a later webhook changes the pod: it is idempotent
// (the same pod maps to the same profiles), and a later mutator that sets a
// securityContext, or injects a container whose image is bound, must not
// bypass a binding. Recording is not: its annotations carry a nonce and a
// timestamp, so a second call would only replace its own values.
//
// Binding fails closed (failurePolicy Fail, as SPO does): in a namespace
// that opted in, a pod admitted while the webhook is down would run without
// the profile its tenant's bindings promise, and with Ignore a user who can
// make the webhook slow or unreachable for a moment could start unprofiled
// pods. It also sees pods/ephemeralcontainers UPDATE, so `kubectl debug`
// cannot add a container that no binding applies to. Recording fails open
// (Ignore): a pod that is not recorded loses nothing it was promised. The
// operator's own namespace is excluded from both whatever the SPOD says
// (excludingNamespace), so the webhook server can always start.
var kinds = []webhookKind{
	{webhooks.BindingWebhookName, webhooks.SPOBindingWebhookName, webhooks.BindingPath, BindingLabel, admissionregistrationv1.IfNeededReinvocationPolicy, nil,
		admissionregistrationv1.Fail, []admissionregistrationv1.RuleWithOperations{
			podRule(admissionregistrationv1.Create, "pods"),
			podRule(admissionregistrationv1.Update, "pods/ephemeralcontainers"),
		}},
	{webhooks.RecordingWebhookName, webhooks.SPORecordingWebhookName, webhooks.RecordingPath, RecordingLabel, admissionregistrationv1.NeverReinvocationPolicy, nil,
		admissionregistrationv1.Ignore, []admissionregistrationv1.RuleWithOperations{
			podRule(admissionregistrationv1.Create, "pods"),
		}},
}

// execMetadata is the exec metadata webhook, configured only while the
// SPOD enables it (v1.EnricherConfig.ExecMetadataEnabled). It fails open
// (Ignore): it adds metadata and decides nothing, and an exec refused
// because the webhook is down would lock operators out of their pods when
// they need them most. It has no opt-in label (optIn ""): as in SPO it
// sees every namespace but the operator's, because an exec is audited
// where it happens, not where someone opted in; webhook.options narrows it.
var execMetadata = webhookKind{webhooks.ExecMetadataWebhookName, webhooks.SPOExecMetadataWebhookName, webhooks.ExecMetadataPath, "",
	admissionregistrationv1.NeverReinvocationPolicy, nil, admissionregistrationv1.Ignore,
	[]admissionregistrationv1.RuleWithOperations{podRule(admissionregistrationv1.Connect, "pods/exec")}}

// nodeDebuggingPod is the node debugging pod webhook, configured with
// execMetadata (as SPO does: a `kubectl debug node/...` session is the
// other way an operator runs commands on a node). Pod CREATE, only pods
// labelled as kubectl debug's (objectSelector, SPO's): every other pod
// creation in the cluster never reaches the webhook. Every namespace but
// the operator's, fail open, for execMetadata's reasons. Not reinvoked:
// no other webhook has a reason to touch SPO_EXEC_REQUEST_UID.
var nodeDebuggingPod = webhookKind{webhooks.NodeDebuggingPodWebhookName, webhooks.SPONodeDebuggingPodWebhookName,
	webhooks.NodeDebuggingPodPath, "", admissionregistrationv1.NeverReinvocationPolicy,
	&metav1.LabelSelector{MatchLabels: map[string]string{nodedebuggingpod.ManagedByLabel: nodedebuggingpod.ManagedByKubectlDebug}},
	admissionregistrationv1.Ignore, []admissionregistrationv1.RuleWithOperations{podRule(admissionregistrationv1.Create, "pods")}}

func podRule(op admissionregistrationv1.OperationType, resource string) admissionregistrationv1.RuleWithOperations {
	return admissionregistrationv1.RuleWithOperations{
		Operations: []admissionregistrationv1.OperationType{op},
		Rule: admissionregistrationv1.Rule{
			APIGroups:   []string{""},
			APIVersions: []string{"v1"},
			Resources:   []string{resource},
			Scope:       ptr.To(admissionregistrationv1.NamespacedScope),
		},
	}
}

// Webhooks are the webhook entries of the configuration for the SPOD's
// webhook settings, as the controller writes them (without caBundle). Tests
// that run a webhook server under envtest install them to be called exactly
// as in a cluster.
func Webhooks(opts Options, settings v1.WebhookConfig) []admissionregistrationv1.MutatingWebhook {
	return desiredWebhooks(opts, settings)
}

// WebhooksFor are the webhook entries for a whole SPOD spec: Webhooks plus
// the exec metadata and node debugging pod webhooks when the spec enables
// them.
func WebhooksFor(opts Options, spec v1.SPODSpec) []admissionregistrationv1.MutatingWebhook {
	out := desiredWebhooks(opts, spec.Webhook)
	if spec.Enricher.ExecMetadataEnabled() {
		for _, k := range []webhookKind{execMetadata, nodeDebuggingPod} {
			out = append(out, desiredWebhook(opts, k, overridesFor(spec.Webhook, k.name, k.spoName)))
		}
	}
	return out
}

// desiredWebhooks are the webhook entries of the configuration for the
// SPOD's webhook settings.
func desiredWebhooks(opts Options, settings v1.WebhookConfig) []admissionregistrationv1.MutatingWebhook {
	out := make([]admissionregistrationv1.MutatingWebhook, 0, len(kinds)+1)
	for _, k := range kinds {
		out = append(out, desiredWebhook(opts, k, overridesFor(settings, k.name, k.spoName)))
	}
	return out
}

// optInSelector selects the namespaces labelled optIn; every namespace
// when the webhook has no opt-in label.
func optInSelector(optIn string) *metav1.LabelSelector {
	if optIn == "" {
		return &metav1.LabelSelector{}
	}
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: optIn, Operator: metav1.LabelSelectorOpExists}}}
}

// objectSelector is a copy of sel, or the empty selector.
func objectSelector(sel *metav1.LabelSelector) *metav1.LabelSelector {
	if sel == nil {
		return &metav1.LabelSelector{}
	}
	return sel.DeepCopy()
}

func desiredWebhook(opts Options, k webhookKind, o *v1.WebhookOptions) admissionregistrationv1.MutatingWebhook {
	w := admissionregistrationv1.MutatingWebhook{
		Name:         k.name,
		ClientConfig: opts.admissionClient(k.path),
		// Copied: the API server client may keep the slices it is given.
		Rules: slices.Clone(k.rules),
		// Only namespaces that opted in are sent here (namespaceSelector),
		// so Fail stops pod creation there only, never cluster-wide
		// (DESIGN §6.3); the SPOD's failurePolicy overrides it.
		FailurePolicy:           ptr.To(k.failurePolicy),
		MatchPolicy:             ptr.To(admissionregistrationv1.Equivalent),
		NamespaceSelector:       optInSelector(k.optIn),
		ObjectSelector:          objectSelector(k.objectSelector),
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
	if opts.RestrictNamespace != "" {
		// Pods elsewhere would be admitted unchanged anyway (the server
		// does not see their namespaces' bindings): do not call at all.
		w.NamespaceSelector.MatchExpressions = append(w.NamespaceSelector.MatchExpressions, metav1.LabelSelectorRequirement{
			Key: namespaceNameLabel, Operator: metav1.LabelSelectorOpIn, Values: []string{opts.RestrictNamespace}})
	}
	return w
}

// overridesFor returns the SPOD's options for the webhook, given by spo's
// or by SPO's name, if any (the CRD refuses both names at once).
func overridesFor(settings v1.WebhookConfig, name, spoName string) *v1.WebhookOptions {
	i := slices.IndexFunc(settings.Options, func(o v1.WebhookOptions) bool { return o.Name == name || o.Name == spoName })
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
