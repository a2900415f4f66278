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
			has := len(got) == 3 && got[2].Name == webhooks.ExecMetadataWebhookName
			if has != tc.want || (!tc.want && len(got) != 2) {
				t.Fatalf("%d webhooks (has exec metadata: %v), want exec metadata %v", len(got), has, tc.want)
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
