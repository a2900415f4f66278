package spod

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
)

// ConditionReady is True when every scheduled daemon pod runs the current
// template and is ready.
const ConditionReady = "Ready"

// Status is the SPOD's state and the reason for it, in words.
type Status struct {
	State v1.SPODState
	// Reason, when set, is the Ready condition's and the Event's reason
	// instead of the state.
	Reason  string
	Message string
}

func (s Status) reason() string {
	if s.Reason != "" {
		return s.Reason
	}
	return string(s.State)
}

// Rollout reads the state of the rollout from the status of the node
// DaemonSet and of the webhook Deployment, as their controllers report it.
// The daemon comes first: it is what installs profiles.
//
// selinuxd's DaemonSets come next, after the webhook: a node no entry's
// DaemonSet reaches (none scheduled) is no error of theirs, so they are
// not Pending.
func Rollout(ds *appsv1.DaemonSet, webhook *appsv1.Deployment, selinuxd ...*appsv1.DaemonSet) Status {
	if s := daemonRollout(ds); s.State != v1.SPODRunning {
		return s
	}
	for _, d := range selinuxd {
		if s := daemonRollout(d); s.State != v1.SPODRunning && s.State != v1.SPODPending {
			s.Message = d.Name + ": " + s.Message
			return s
		}
	}
	st := webhook.Status
	want := ptr.Deref(webhook.Spec.Replicas, 1)
	switch {
	case st.ObservedGeneration == 0:
		return Status{State: v1.SPODCreating, Message: "the Deployment controller has not seen the webhook's Deployment yet"}
	case st.ObservedGeneration < webhook.Generation:
		return Status{State: v1.SPODUpdating, Message: fmt.Sprintf("the Deployment controller has not seen the webhook's generation %d yet", webhook.Generation)}
	case st.UpdatedReplicas < want:
		return Status{State: v1.SPODUpdating, Message: fmt.Sprintf("%d of %d webhook pods run the current template", st.UpdatedReplicas, want)}
	case st.AvailableReplicas < want:
		return Status{State: v1.SPODCreating, Message: fmt.Sprintf("%d of %d webhook pods are available", st.AvailableReplicas, want)}
	}
	return Status{State: v1.SPODRunning, Message: fmt.Sprintf("the daemon runs and is ready on all %d nodes and %d webhook pods are available",
		ds.Status.DesiredNumberScheduled, st.AvailableReplicas)}
}

func daemonRollout(ds *appsv1.DaemonSet) Status {
	st := ds.Status
	switch {
	case st.ObservedGeneration == 0:
		return Status{State: v1.SPODCreating, Message: "the DaemonSet controller has not seen the daemon's DaemonSet yet"}
	case st.ObservedGeneration < ds.Generation:
		return Status{State: v1.SPODUpdating, Message: fmt.Sprintf("the DaemonSet controller has not seen the daemon's generation %d yet", ds.Generation)}
	case st.DesiredNumberScheduled == 0:
		return Status{State: v1.SPODPending, Message: "no node is to run the daemon: check the nodes, scheduling.tolerations and scheduling.affinity"}
	case st.UpdatedNumberScheduled < st.DesiredNumberScheduled:
		return Status{State: v1.SPODUpdating, Message: fmt.Sprintf("%d of %d nodes run the current daemon", st.UpdatedNumberScheduled, st.DesiredNumberScheduled)}
	case st.NumberReady < st.DesiredNumberScheduled:
		return Status{State: v1.SPODCreating, Message: fmt.Sprintf("%d of %d daemon pods are ready", st.NumberReady, st.DesiredNumberScheduled)}
	}
	return Status{State: v1.SPODRunning, Message: ""}
}

// Failed is the status when the DaemonSet cannot be written.
func Failed(err error) Status {
	return Status{State: v1.SPODError, Message: err.Error()}
}

// ReadyCondition is the Ready condition for a status: True exactly when
// Running, with the state (or the status's Reason) as its reason.
func ReadyCondition(s Status, generation int64) metav1.Condition {
	c := metav1.Condition{Type: ConditionReady, Status: metav1.ConditionFalse, Reason: s.reason(),
		Message: s.Message, ObservedGeneration: generation}
	if s.State == v1.SPODRunning {
		c.Status = metav1.ConditionTrue
	}
	return c
}
