package spod

import (
	"errors"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestRollout(t *testing.T) {
	daemonReady := appsv1.DaemonSetStatus{ObservedGeneration: 1, DesiredNumberScheduled: 3, UpdatedNumberScheduled: 3, NumberReady: 3}
	webhookReady := appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2}
	for _, tc := range []struct {
		sentence   string
		generation int64
		daemon     appsv1.DaemonSetStatus
		webhook    appsv1.DeploymentStatus
		want       v1.SPODState
	}{
		{"a DaemonSet the controller has not seen yet is Creating", 1,
			appsv1.DaemonSetStatus{}, webhookReady, v1.SPODCreating},
		{"a generation the DaemonSet controller has not seen yet is Updating", 2,
			daemonReady, webhookReady, v1.SPODUpdating},
		{"no node to run on is Pending", 1,
			appsv1.DaemonSetStatus{ObservedGeneration: 1}, webhookReady, v1.SPODPending},
		{"nodes still running the old daemon is Updating", 1,
			appsv1.DaemonSetStatus{ObservedGeneration: 1, DesiredNumberScheduled: 3, UpdatedNumberScheduled: 1, NumberReady: 3}, webhookReady, v1.SPODUpdating},
		{"updated daemon pods not all ready is Creating", 1,
			appsv1.DaemonSetStatus{ObservedGeneration: 1, DesiredNumberScheduled: 3, UpdatedNumberScheduled: 3, NumberReady: 2}, webhookReady, v1.SPODCreating},
		{"the daemon's state comes before the webhook's", 1,
			appsv1.DaemonSetStatus{ObservedGeneration: 1}, appsv1.DeploymentStatus{}, v1.SPODPending},
		{"a webhook Deployment the controller has not seen yet is Creating", 1,
			daemonReady, appsv1.DeploymentStatus{}, v1.SPODCreating},
		{"webhook pods on the old template is Updating", 1,
			daemonReady, appsv1.DeploymentStatus{ObservedGeneration: 1, UpdatedReplicas: 1, AvailableReplicas: 2}, v1.SPODUpdating},
		{"webhook pods not all available is Creating", 1,
			daemonReady, appsv1.DeploymentStatus{ObservedGeneration: 1, UpdatedReplicas: 2, AvailableReplicas: 1}, v1.SPODCreating},
		{"every daemon pod ready and every webhook pod available is Running", 1,
			daemonReady, webhookReady, v1.SPODRunning},
	} {
		t.Run(tc.sentence, func(t *testing.T) {
			ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Generation: tc.generation}, Status: tc.daemon}
			deploy := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Generation: 1},
				Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)}, Status: tc.webhook}
			got := Rollout(ds, deploy)
			if got.State != tc.want || got.Message == "" {
				t.Errorf("got %+v, want state %s with a message", got, tc.want)
			}
		})
	}
}

func TestReadyCondition(t *testing.T) {
	for _, tc := range []struct {
		sentence string
		status   Status
		want     metav1.ConditionStatus
	}{
		{"Running is Ready", Status{State: v1.SPODRunning, Message: "ok"}, metav1.ConditionTrue},
		{"Creating is not Ready", Status{State: v1.SPODCreating, Message: "1 of 2"}, metav1.ConditionFalse},
		{"Error is not Ready and says why", Failed(errors.New("forbidden")), metav1.ConditionFalse},
		{"an Error with a reason is not Ready and gives its reason",
			Status{State: v1.SPODError, Reason: ReasonInvalidLogEnricherFilters, Message: "bad"}, metav1.ConditionFalse},
	} {
		t.Run(tc.sentence, func(t *testing.T) {
			c := ReadyCondition(tc.status, 7)
			if c.Status != tc.want || c.Reason != tc.status.reason() || c.Message != tc.status.Message || c.ObservedGeneration != 7 {
				t.Errorf("got %+v", c)
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	for _, tc := range []struct {
		sentence string
		filters  string
		ok       bool
	}{
		{"no filters are valid", "", true},
		{"SPO's filter format is valid", `[{"priority":1,"level":"None","matchKeys":["namespace"],"matchValues":["kube-system"]}]`, true},
		{"spo's filter format is valid", `[{"action":"drop","namespace":"kube-system"}]`, true},
		{"filters that are not JSON put the SPOD in Error", `[{"priority":`, false},
		{"an SPO rule with an unknown level puts the SPOD in Error", `[{"level":"Verbose","matchKeys":["pod"]}]`, false},
	} {
		t.Run(tc.sentence, func(t *testing.T) {
			s, ok := Invalid(v1.SPODSpec{Enricher: v1.EnricherConfig{LogEnricherFilters: tc.filters}})
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tc.ok, s)
			}
			if !ok && (s.State != v1.SPODError || s.Reason != ReasonInvalidLogEnricherFilters ||
				!strings.Contains(s.Message, "spec.enricher.logEnricherFilters")) {
				t.Errorf("got %+v", s)
			}
		})
	}
}
