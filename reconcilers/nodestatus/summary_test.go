package nodestatus

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

func report(node string, st v1.ProfileState, reason, msg string) v1.SecurityProfileNodeStatus {
	return v1.SecurityProfileNodeStatus{
		Spec:   v1.SecurityProfileNodeStatusSpec{NodeName: node},
		Status: v1.SecurityProfileNodeStatusStatus{Status: st, Reason: reason, Message: msg},
	}
}

func TestSummarize(t *testing.T) {
	now := metav1.Now()
	tests := map[string]struct {
		profile *v1.SeccompProfile
		reports []v1.SecurityProfileNodeStatus
		nodes   int
		want    Summary
	}{
		"is Pending before any node reports": {
			profile: &v1.SeccompProfile{}, nodes: 2,
			want: Summary{State: v1.ProfileStatePending, Reason: "Pending", Message: "installed on 0 of 2 node(s)"},
		},
		"is InProgress while some nodes have not reported": {
			profile: &v1.SeccompProfile{}, nodes: 2,
			reports: []v1.SecurityProfileNodeStatus{report("a", v1.ProfileStateInstalled, "", "")},
			want:    Summary{State: v1.ProfileStateInProgress, Reason: "InProgress", Message: "installed on 1 of 2 node(s)"},
		},
		"counts a report without a status as Pending": {
			profile: &v1.SeccompProfile{}, nodes: 1,
			reports: []v1.SecurityProfileNodeStatus{report("a", "", "", "")},
			want:    Summary{State: v1.ProfileStatePending, Reason: "Pending", Message: "installed on 0 of 1 node(s)"},
		},
		"is Installed when every node installed it": {
			profile: &v1.SeccompProfile{}, nodes: 2,
			reports: []v1.SecurityProfileNodeStatus{report("a", v1.ProfileStateInstalled, "", ""), report("b", v1.ProfileStateInstalled, "", "")},
			want:    Summary{State: v1.ProfileStateInstalled, Reason: "Installed", Message: "installed on 2 node(s)"},
		},
		"takes the lowest state and the nodes' reason on error": {
			profile: &v1.SeccompProfile{}, nodes: 2,
			reports: []v1.SecurityProfileNodeStatus{
				report("b", v1.ProfileStateError, "InvalidSyscall", "unknown syscall"),
				report("a", v1.ProfileStateInstalled, "", ""),
			},
			want: Summary{State: v1.ProfileStateError, Reason: "InvalidSyscall", Message: "b: unknown syscall"},
		},
		"says Error when failing nodes disagree on the reason": {
			profile: &v1.SeccompProfile{}, nodes: 2,
			reports: []v1.SecurityProfileNodeStatus{
				report("a", v1.ProfileStateError, "WriteFailed", "disk full"),
				report("b", v1.ProfileStateError, "InvalidSyscall", "unknown syscall"),
			},
			want: Summary{State: v1.ProfileStateError, Reason: "Error", Message: "a: disk full; b: unknown syscall"},
		},
		"is Disabled when spec.state is Disabled": {
			profile: &v1.SeccompProfile{Spec: v1.SeccompProfileSpec{ProfileSpecBase: v1.ProfileSpecBase{State: v1.ProfileDisabled}}},
			want:    Summary{State: v1.ProfileStateDisabled, Reason: "Disabled", Message: "spec.state is Disabled"},
		},
		"is Partial for a partial recorded profile": {
			profile: &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{v1.LabelPartial: "true"}}},
			want:    Summary{State: v1.ProfileStatePartial, Reason: "Partial", Message: "a partial recorded profile is never installed; it waits to be merged"},
		},
		"is Terminating while being deleted": {
			profile: &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}},
			reports: []v1.SecurityProfileNodeStatus{report("a", v1.ProfileStateInstalled, "", "")},
			want:    Summary{State: v1.ProfileStateTerminating, Reason: "Terminating", Message: "the profile is being deleted"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Summarize(tc.profile, tc.reports, tc.nodes); got != tc.want {
				t.Errorf("Summarize() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestStaleFinalizers(t *testing.T) {
	live := []string{"a", "b"}
	tests := map[string]struct {
		fins []string
		want []string
	}{
		"prunes spo's finalizer of a gone node only": {
			[]string{v1.NodeFinalizer("a"), v1.NodeFinalizer("gone"), v1.FinalizerInUse, "example.com/other"},
			[]string{v1.NodeFinalizer("gone")}},
		"prunes the finalizer SPO's daemon on a gone node left": {
			[]string{"a-deleted", "gone-deleted"}, []string{"gone-deleted"}},
		"leaves SPO's finalizer of a live node to that node's daemon": {
			[]string{"b-deleted", "in-use-by-active-pods"}, nil},
		"leaves a domain-qualified finalizer that merely ends like SPO's": {
			[]string{"example.com/gone-deleted"}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := StaleFinalizers(tc.fins, live); !slices.Equal(got, tc.want) {
				t.Errorf("StaleFinalizers(%v) = %v, want %v", tc.fins, got, tc.want)
			}
		})
	}
}
