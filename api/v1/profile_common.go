package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ProfileState is where a profile stands, on one node or across all nodes.
// +kubebuilder:validation:Enum=Partial;Disabled;Pending;InProgress;Installed;Terminating;Error
type ProfileState string

const (
	// ProfileStateError means at least one node could not install the profile.
	ProfileStateError ProfileState = "Error"
	// ProfileStateTerminating means the profile is being removed; nodes keep
	// its file while a workload still uses it.
	ProfileStateTerminating ProfileState = "Terminating"
	// ProfileStatePartial marks a recorded profile that waits to be merged;
	// partial profiles are never installed.
	ProfileStatePartial ProfileState = "Partial"
	// ProfileStateDisabled means spec.state is Disabled: nothing is installed.
	ProfileStateDisabled ProfileState = "Disabled"
	// ProfileStatePending means no node has started on the profile yet.
	ProfileStatePending ProfileState = "Pending"
	// ProfileStateInProgress means some nodes have installed the profile and
	// others have not reported yet.
	ProfileStateInProgress ProfileState = "InProgress"
	// ProfileStateInstalled means every node has installed the profile.
	ProfileStateInstalled ProfileState = "Installed"
)

// stateOrder ranks states from worst to best; a profile's overall state is
// the worst of its nodes' states.
var stateOrder = map[ProfileState]int{
	ProfileStateError:       0,
	ProfileStateTerminating: 1,
	ProfileStatePartial:     2,
	ProfileStateDisabled:    3,
	ProfileStatePending:     4,
	ProfileStateInProgress:  5,
	ProfileStateInstalled:   6,
}

// Lower reports whether s ranks below other (Error < Terminating < Partial <
// Disabled < Pending < InProgress < Installed). Unknown states rank lowest.
func (s ProfileState) Lower(other ProfileState) bool {
	a, okA := stateOrder[s]
	b, okB := stateOrder[other]
	if !okA {
		a = -1
	}
	if !okB {
		b = -1
	}
	return a < b
}

// ProfileEnabledState switches a profile on or off without deleting it.
// +kubebuilder:validation:Enum=Enabled;Disabled
type ProfileEnabledState string

const (
	// ProfileEnabled installs the profile on nodes (the default).
	ProfileEnabled ProfileEnabledState = "Enabled"
	// ProfileDisabled keeps the object but removes the profile from nodes.
	ProfileDisabled ProfileEnabledState = "Disabled"
)

// ProfileSpecBase holds the fields every profile kind shares.
type ProfileSpecBase struct {
	// State Enabled installs the profile on every node; Disabled removes it
	// from nodes but keeps the object.
	// +optional
	// +kubebuilder:default=Enabled
	State ProfileEnabledState `json:"state,omitempty"`
}

// Enabled reports whether the profile should be installed.
func (s ProfileSpecBase) Enabled() bool { return s.State != ProfileDisabled }

// ProfileStatusBase holds the status fields every profile kind shares.
type ProfileStatusBase struct {
	// Status is the lowest state across all nodes.
	// +optional
	Status ProfileState `json:"status,omitempty"`

	// Conditions of the profile; Ready is True once every node installed it.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ActiveWorkloads lists the pods ("namespace/name") that use the profile.
	// While the list is not empty the profile cannot be removed.
	// +optional
	// +listType=set
	ActiveWorkloads []string `json:"activeWorkloads,omitempty"`
}

// ConditionReady is the condition type that summarises a profile's rollout.
const ConditionReady = "Ready"

// ConditionNodeWarnings is present, True, while nodes installed the profile
// with a warning (for example seccomp syscall names skipped on an
// architecture); its message names the nodes and what they skipped.
const ConditionNodeWarnings = "NodeWarnings"
