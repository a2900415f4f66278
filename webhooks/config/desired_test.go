package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
)

var inCluster = Options{Namespace: "spo-system"}

func exists(key string) metav1.LabelSelectorRequirement {
	return metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOpExists}
}

var notOperator = metav1.LabelSelectorRequirement{
	Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"spo-system"},
}

func teamSelector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}
}

func TestDesiredWebhooks(t *testing.T) {
	fail, ignore := admissionregistrationv1.Fail, admissionregistrationv1.Ignore
	tests := map[string]struct {
		opts     Options
		settings v1.WebhookConfig
		webhook  int // index: 0 binding, 1 recording
		field    func(admissionregistrationv1.MutatingWebhook) any
		want     any
	}{
		"lists binding first": {
			opts: inCluster, webhook: 0,
			field: func(w admissionregistrationv1.MutatingWebhook) any { return w.Name }, want: webhooks.BindingWebhookName,
		},
		"lists recording second": {
			opts: inCluster, webhook: 1,
			field: func(w admissionregistrationv1.MutatingWebhook) any { return w.Name }, want: webhooks.RecordingWebhookName,
		},
		"sends binding to the Service at the binding path": {
			opts: inCluster, webhook: 0,
			field: func(w admissionregistrationv1.MutatingWebhook) any { return w.ClientConfig },
			want: admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{
				Namespace: "spo-system", Name: "spo-webhook", Path: ptr.To(webhooks.BindingPath), Port: ptr.To[int32](443),
			}},
		},
		"sends recording to a local URL when one is given": {
			opts: Options{Namespace: "spo-system", URL: "https://127.0.0.1:9443/"}, webhook: 1,
			field: func(w admissionregistrationv1.MutatingWebhook) any { return w.ClientConfig },
			want:  admissionregistrationv1.WebhookClientConfig{URL: ptr.To("https://127.0.0.1:9443" + webhooks.RecordingPath)},
		},
		"binding selects namespaces labelled enable-binding, except the operator's": {
			opts: inCluster, webhook: 0,
			field: func(w admissionregistrationv1.MutatingWebhook) any { return w.NamespaceSelector },
			want:  &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{exists(BindingLabel), notOperator}},
		},
		"recording selects namespaces labelled enable-recording, except the operator's": {
			opts: inCluster, webhook: 1,
			field: func(w admissionregistrationv1.MutatingWebhook) any { return w.NamespaceSelector },
			want:  &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{exists(RecordingLabel), notOperator}},
		},
		"selects every object by default": {
			opts: inCluster, webhook: 0,
			field: func(w admissionregistrationv1.MutatingWebhook) any { return w.ObjectSelector }, want: &metav1.LabelSelector{},
		},
		"fails closed for bindings by default, so an opted-in namespace never gets an unbound pod": {
			opts: inCluster, webhook: 0,
			field: func(w admissionregistrationv1.MutatingWebhook) any { return *w.FailurePolicy }, want: admissionregistrationv1.Fail,
		},
		"ignores recording failures by default": {
			opts: inCluster, webhook: 1,
			field: func(w admissionregistrationv1.MutatingWebhook) any { return *w.FailurePolicy }, want: admissionregistrationv1.Ignore,
		},
		"never sends the operator's namespace to the binding webhook, even with failurePolicy Fail": {
			opts: inCluster, webhook: 0,
			settings: v1.WebhookConfig{Options: []v1.WebhookOptions{{Name: webhooks.BindingWebhookName, NamespaceSelector: &metav1.LabelSelector{}}}},
			field:    func(w admissionregistrationv1.MutatingWebhook) any { return w.NamespaceSelector },
			want:     &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{notOperator}},
		},
		"binds pods at CREATE and ephemeral containers added through pods/ephemeralcontainers": {
			opts: inCluster, webhook: 0,
			field: func(w admissionregistrationv1.MutatingWebhook) any { return w.Rules },
			want:  []admissionregistrationv1.RuleWithOperations{podRule(admissionregistrationv1.Create, "pods"), podRule(admissionregistrationv1.Update, "pods/ephemeralcontainers")},
		},
		"records pods at CREATE only": {
			opts: inCluster, webhook: 1,
			field: func(w admissionregistrationv1.MutatingWebhook) any { return w.Rules },
			want: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"},
					Resources: []string{"pods"}, Scope: ptr.To(admissionregistrationv1.NamespacedScope)},
			}},
		},
		"reinvokes binding when a later webhook changed the pod": {
			opts: inCluster, webhook: 0,
			field: func(w admissionregistrationv1.MutatingWebhook) any { return *w.ReinvocationPolicy },
			want:  admissionregistrationv1.IfNeededReinvocationPolicy,
		},
		"never reinvokes recording": {
			opts: inCluster, webhook: 1,
			field: func(w admissionregistrationv1.MutatingWebhook) any { return *w.ReinvocationPolicy },
			want:  admissionregistrationv1.NeverReinvocationPolicy,
		},
		"takes the SPOD's failurePolicy for the webhook it names": {
			opts: inCluster, webhook: 0,
			settings: v1.WebhookConfig{Options: []v1.WebhookOptions{{Name: webhooks.BindingWebhookName, FailurePolicy: &ignore}}},
			field:    func(w admissionregistrationv1.MutatingWebhook) any { return *w.FailurePolicy }, want: admissionregistrationv1.Ignore,
		},
		"keeps the default failurePolicy of a webhook the SPOD does not name": {
			opts: inCluster, webhook: 1,
			settings: v1.WebhookConfig{Options: []v1.WebhookOptions{{Name: webhooks.BindingWebhookName, FailurePolicy: &fail}}},
			field:    func(w admissionregistrationv1.MutatingWebhook) any { return *w.FailurePolicy }, want: admissionregistrationv1.Ignore,
		},
		"replaces the namespaceSelector with the SPOD's, still excluding the operator's namespace": {
			opts: inCluster, webhook: 1,
			settings: v1.WebhookConfig{Options: []v1.WebhookOptions{{Name: webhooks.RecordingWebhookName, NamespaceSelector: teamSelector()}}},
			field:    func(w admissionregistrationv1.MutatingWebhook) any { return w.NamespaceSelector },
			want: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"},
				MatchExpressions: []metav1.LabelSelectorRequirement{notOperator}},
		},
		"does not add the exclusion twice when the SPOD's selector has it": {
			opts: inCluster, webhook: 0,
			settings: v1.WebhookConfig{Options: []v1.WebhookOptions{{Name: webhooks.BindingWebhookName,
				NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{notOperator}}}}},
			field: func(w admissionregistrationv1.MutatingWebhook) any { return w.NamespaceSelector },
			want:  &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{notOperator}},
		},
		"limits a restricted operator's webhooks to its namespace, on top of the SPOD's selector": {
			opts: Options{Namespace: "spo-system", RestrictNamespace: "team-a"}, webhook: 1,
			settings: v1.WebhookConfig{Options: []v1.WebhookOptions{{Name: webhooks.RecordingWebhookName, NamespaceSelector: teamSelector()}}},
			field:    func(w admissionregistrationv1.MutatingWebhook) any { return w.NamespaceSelector },
			want: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"},
				MatchExpressions: []metav1.LabelSelectorRequirement{notOperator,
					{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpIn, Values: []string{"team-a"}}}},
		},
		"replaces the objectSelector with the SPOD's": {
			opts: inCluster, webhook: 0,
			settings: v1.WebhookConfig{Options: []v1.WebhookOptions{{Name: webhooks.BindingWebhookName, ObjectSelector: teamSelector()}}},
			field:    func(w admissionregistrationv1.MutatingWebhook) any { return w.ObjectSelector }, want: teamSelector(),
		},
		"takes the options SPO's name binding.spo.io gives to the binding webhook": {
			opts: inCluster, webhook: 0,
			settings: v1.WebhookConfig{Options: []v1.WebhookOptions{{Name: webhooks.SPOBindingWebhookName, ObjectSelector: teamSelector()}}},
			field:    func(w admissionregistrationv1.MutatingWebhook) any { return w.ObjectSelector }, want: teamSelector(),
		},
		"takes the options SPO's name recording.spo.io gives to the recording webhook": {
			opts: inCluster, webhook: 1,
			settings: v1.WebhookConfig{Options: []v1.WebhookOptions{{Name: webhooks.SPORecordingWebhookName, FailurePolicy: &fail}}},
			field:    func(w admissionregistrationv1.MutatingWebhook) any { return *w.FailurePolicy }, want: admissionregistrationv1.Fail,
		},
		"does not give SPO's binding options to the recording webhook": {
			opts: inCluster, webhook: 1,
			settings: v1.WebhookConfig{Options: []v1.WebhookOptions{{Name: webhooks.SPOBindingWebhookName, FailurePolicy: &fail}}},
			field:    func(w admissionregistrationv1.MutatingWebhook) any { return *w.FailurePolicy }, want: admissionregistrationv1.Ignore,
		},
		"ignores options for a webhook it does not have": {
			opts: inCluster, webhook: 1,
			settings: v1.WebhookConfig{Options: []v1.WebhookOptions{{Name: "other.example.com", FailurePolicy: &fail}}},
			field:    func(w admissionregistrationv1.MutatingWebhook) any { return *w.FailurePolicy }, want: admissionregistrationv1.Ignore,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := desiredWebhooks(tc.opts, tc.settings)
			if len(got) != 2 {
				t.Fatalf("got %d webhooks, want 2", len(got))
			}
			if diff := cmp.Diff(tc.want, tc.field(got[tc.webhook])); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDesiredWebhooksFixedFields(t *testing.T) {
	for _, w := range desiredWebhooks(inCluster, v1.WebhookConfig{}) {
		if *w.SideEffects != admissionregistrationv1.SideEffectClassNone || *w.TimeoutSeconds != 10 ||
			*w.MatchPolicy != admissionregistrationv1.Equivalent || !cmp.Equal(w.AdmissionReviewVersions, []string{"v1"}) {
			t.Errorf("%s: sideEffects %s, timeout %d, matchPolicy %s, reviews %v", w.Name,
				*w.SideEffects, *w.TimeoutSeconds, *w.MatchPolicy, w.AdmissionReviewVersions)
		}
		if w.ClientConfig.CABundle != nil {
			t.Errorf("%s: sets a caBundle, which belongs to the certs component", w.Name)
		}
	}
}

// The SPOD comes from the manager's cache: changing it would corrupt the
// cache for every other reader.
func TestDesiredWebhooksLeavesTheSPODAlone(t *testing.T) {
	settings := v1.WebhookConfig{Options: []v1.WebhookOptions{{Name: webhooks.BindingWebhookName, NamespaceSelector: teamSelector()}}}
	desiredWebhooks(inCluster, settings)
	if diff := cmp.Diff(teamSelector(), settings.Options[0].NamespaceSelector); diff != "" {
		t.Errorf("the SPOD's selector changed (-was +now):\n%s", diff)
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := map[string]struct {
		opts Options
		ok   bool
	}{
		"accepts a namespace alone":                              {Options{Namespace: "ns"}, true},
		"accepts an https URL with a port":                       {Options{Namespace: "ns", URL: "https://127.0.0.1:9443"}, true},
		"refuses a missing namespace":                            {Options{URL: "https://127.0.0.1:9443"}, false},
		"refuses plain http, which the API server will not call": {Options{Namespace: "ns", URL: "http://127.0.0.1:9443"}, false},
		"refuses a URL with a query":                             {Options{Namespace: "ns", URL: "https://127.0.0.1:9443?a=b"}, false},
		"refuses a URL without a host":                           {Options{Namespace: "ns", URL: "https://"}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if err := tc.opts.validate(); (err == nil) != tc.ok {
				t.Errorf("validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
