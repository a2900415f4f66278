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

// TestWebhooksForAddsExecMetadataOnlyWithTheJSONEnricher: exec metadata
// and node debugging pods come and go together.
func TestWebhooksForAddsExecMetadataOnlyWithTheJSONEnricher(t *testing.T) {
	for name, tc := range map[string]struct {
		enricher v1.EnricherConfig
		want     bool
	}{
		"off by default":                    {v1.EnricherConfig{}, false},
		"on with the JSON enricher":         {v1.EnricherConfig{EnableJsonEnricher: true}, true},
		"off when enableExecMetadata=false": {v1.EnricherConfig{EnableJsonEnricher: true, EnableExecMetadata: ptr.To(false)}, false},
		"no effect without the enricher":    {v1.EnricherConfig{EnableExecMetadata: ptr.To(true)}, false},
	} {
		t.Run(name, func(t *testing.T) {
			got := WebhooksFor(inCluster, v1.SPODSpec{Enricher: tc.enricher})
			has := len(got) == 4 && got[2].Name == webhooks.ExecMetadataWebhookName && got[3].Name == webhooks.NodeDebuggingPodWebhookName
			if has != tc.want || (!tc.want && len(got) != 2) {
				t.Fatalf("%d webhooks (has exec metadata and node debugging pod: %v), want them %v", len(got), has, tc.want)
			}
		})
	}
}

func TestExecMetadataWebhookDefaultsAndOptions(t *testing.T) {
	spec := v1.SPODSpec{Enricher: v1.EnricherConfig{EnableJsonEnricher: true}}
	w := WebhooksFor(inCluster, spec)[2]
	if *w.FailurePolicy != admissionregistrationv1.Ignore {
		t.Errorf("failurePolicy %s, want Ignore: an exec must not fail because metadata could not be added", *w.FailurePolicy)
	}
	wantRules := []admissionregistrationv1.RuleWithOperations{podRule(admissionregistrationv1.Connect, "pods/exec")}
	if diff := cmp.Diff(wantRules, w.Rules); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	if w.ClientConfig.Service == nil || *w.ClientConfig.Service.Path != webhooks.ExecMetadataPath {
		t.Errorf("client config %+v", w.ClientConfig)
	}
	// Every namespace but the operator's.
	wantNS := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: namespaceNameLabel, Operator: metav1.LabelSelectorOpNotIn, Values: []string{inCluster.Namespace}}}}
	if diff := cmp.Diff(wantNS, w.NamespaceSelector); diff != "" {
		t.Errorf("namespaceSelector (-want +got):\n%s", diff)
	}

	fail := admissionregistrationv1.Fail
	team := &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}
	for _, name := range []string{webhooks.ExecMetadataWebhookName, webhooks.SPOExecMetadataWebhookName} {
		spec.Webhook.Options = []v1.WebhookOptions{{Name: name, FailurePolicy: &fail, NamespaceSelector: team}}
		w := WebhooksFor(inCluster, spec)[2]
		if *w.FailurePolicy != admissionregistrationv1.Fail || w.NamespaceSelector.MatchLabels["team"] != "a" {
			t.Errorf("options named %s not applied: %s %+v", name, *w.FailurePolicy, w.NamespaceSelector)
		}
	}
}

func TestNodeDebuggingPodWebhookDefaultsAndOptions(t *testing.T) {
	spec := v1.SPODSpec{Enricher: v1.EnricherConfig{EnableJsonEnricher: true}}
	w := WebhooksFor(inCluster, spec)[3]
	if w.Name != webhooks.NodeDebuggingPodWebhookName || *w.FailurePolicy != admissionregistrationv1.Ignore {
		t.Errorf("%s failurePolicy %s, want Ignore: a debugging pod must not fail for want of metadata", w.Name, *w.FailurePolicy)
	}
	wantRules := []admissionregistrationv1.RuleWithOperations{podRule(admissionregistrationv1.Create, "pods")}
	if diff := cmp.Diff(wantRules, w.Rules); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	if w.ClientConfig.Service == nil || *w.ClientConfig.Service.Path != webhooks.NodeDebuggingPodPath {
		t.Errorf("client config %+v", w.ClientConfig)
	}
	wantObj := &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/managed-by": "kubectl-debug"}}
	if diff := cmp.Diff(wantObj, w.ObjectSelector); diff != "" {
		t.Errorf("objectSelector (-want +got):\n%s", diff)
	}
	wantNS := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: namespaceNameLabel, Operator: metav1.LabelSelectorOpNotIn, Values: []string{inCluster.Namespace}}}}
	if diff := cmp.Diff(wantNS, w.NamespaceSelector); diff != "" {
		t.Errorf("namespaceSelector (-want +got):\n%s", diff)
	}
	// The default selector is shared: a returned webhook must not alias it.
	w.ObjectSelector.MatchLabels["x"] = "y"
	if again := WebhooksFor(inCluster, spec)[3]; len(again.ObjectSelector.MatchLabels) != 1 {
		t.Fatalf("the default objectSelector was modified through a returned webhook: %v", again.ObjectSelector)
	}

	fail := admissionregistrationv1.Fail
	narrow := &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/managed-by": "kubectl-debug", "team": "a"}}
	for _, name := range []string{webhooks.NodeDebuggingPodWebhookName, webhooks.SPONodeDebuggingPodWebhookName} {
		spec.Webhook.Options = []v1.WebhookOptions{{Name: name, FailurePolicy: &fail, ObjectSelector: narrow}}
		got := WebhooksFor(inCluster, spec)
		w := got[3]
		if *w.FailurePolicy != admissionregistrationv1.Fail || w.ObjectSelector.MatchLabels["team"] != "a" {
			t.Errorf("options named %s not applied: %s %+v", name, *w.FailurePolicy, w.ObjectSelector)
		}
		if e := got[2]; *e.FailurePolicy != admissionregistrationv1.Ignore || len(e.ObjectSelector.MatchLabels) != 0 {
			t.Errorf("options named %s reached the exec metadata webhook: %s %+v", name, *e.FailurePolicy, e.ObjectSelector)
		}
	}
}
