package spod

import (
	"errors"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestRollout(t *testing.T) {
	for _, tc := range []struct {
		sentence   string
		generation int64
		status     appsv1.DaemonSetStatus
		want       v1.SPODState
	}{
		{"a DaemonSet the controller has not seen yet is Creating", 1,
			appsv1.DaemonSetStatus{}, v1.SPODCreating},
		{"a generation the controller has not seen yet is Updating", 2,
			appsv1.DaemonSetStatus{ObservedGeneration: 1, DesiredNumberScheduled: 3, UpdatedNumberScheduled: 3, NumberReady: 3}, v1.SPODUpdating},
		{"no node to run on is Pending", 1,
			appsv1.DaemonSetStatus{ObservedGeneration: 1}, v1.SPODPending},
		{"nodes still running the old template is Updating", 2,
			appsv1.DaemonSetStatus{ObservedGeneration: 2, DesiredNumberScheduled: 3, UpdatedNumberScheduled: 1, NumberReady: 3}, v1.SPODUpdating},
		{"updated pods not all ready is Creating", 1,
			appsv1.DaemonSetStatus{ObservedGeneration: 1, DesiredNumberScheduled: 3, UpdatedNumberScheduled: 3, NumberReady: 2}, v1.SPODCreating},
		{"every scheduled pod updated and ready is Running", 1,
			appsv1.DaemonSetStatus{ObservedGeneration: 1, DesiredNumberScheduled: 3, UpdatedNumberScheduled: 3, NumberReady: 3}, v1.SPODRunning},
	} {
		t.Run(tc.sentence, func(t *testing.T) {
			ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Generation: tc.generation}, Status: tc.status}
			got := Rollout(ds)
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
		{"Running is Ready", Status{v1.SPODRunning, "ok"}, metav1.ConditionTrue},
		{"Creating is not Ready", Status{v1.SPODCreating, "1 of 2"}, metav1.ConditionFalse},
		{"Error is not Ready and says why", Failed(errors.New("forbidden")), metav1.ConditionFalse},
	} {
		t.Run(tc.sentence, func(t *testing.T) {
			c := ReadyCondition(tc.status, 7)
			if c.Status != tc.want || c.Reason != string(tc.status.State) || c.Message != tc.status.Message || c.ObservedGeneration != 7 {
				t.Errorf("got %+v", c)
			}
		})
	}
}
