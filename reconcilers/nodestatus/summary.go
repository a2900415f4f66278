package nodestatus

import (
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/takeover"
)

// Summary is what the manager publishes on a profile.
type Summary struct {
	State   v1.ProfileState
	Reason  string
	Message string
}

// Summarize folds node reports into the profile's state. nodes is how many
// nodes are expected to report; nodes that have not reported yet count as
// Pending.
func Summarize(p v1.Profile, reports []v1.SecurityProfileNodeStatus, nodes int) Summary {
	switch {
	case !p.GetDeletionTimestamp().IsZero():
		return Summary{State: v1.ProfileStateTerminating, Reason: string(v1.ProfileStateTerminating),
			Message: "the profile is being deleted"}
	case p.GetLabels()[v1.LabelPartial] == "true":
		return Summary{State: v1.ProfileStatePartial, Reason: string(v1.ProfileStatePartial),
			Message: "a partial recorded profile is never installed; it waits to be merged"}
	case !p.ProfileSpec().Enabled():
		return Summary{State: v1.ProfileStateDisabled, Reason: string(v1.ProfileStateDisabled),
			Message: "spec.state is Disabled"}
	}
	return summarizeNodes(reports, nodes)
}

func summarizeNodes(reports []v1.SecurityProfileNodeStatus, nodes int) Summary {
	sorted := append([]v1.SecurityProfileNodeStatus(nil), reports...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Spec.NodeName < sorted[j].Spec.NodeName })

	worst, installed := v1.ProfileStateInstalled, 0
	var problems []string
	for _, r := range sorted {
		st := r.Status.Status
		if st == "" {
			st = v1.ProfileStatePending
		}
		if st == v1.ProfileStateInstalled {
			installed++
		}
		if st.Lower(worst) {
			worst = st
		}
		if st == v1.ProfileStateError {
			problems = append(problems, fmt.Sprintf("%s: %s", r.Spec.NodeName, r.Status.Message))
		}
	}
	if missing := nodes - len(sorted); missing > 0 || len(sorted) == 0 {
		if v1.ProfileStatePending.Lower(worst) {
			worst = v1.ProfileStatePending
		}
	}
	if worst == v1.ProfileStatePending && installed > 0 {
		worst = v1.ProfileStateInProgress
	}
	s := Summary{State: worst, Reason: string(worst)}
	switch worst {
	case v1.ProfileStateError:
		s.Reason = errorReason(sorted)
		s.Message = strings.Join(problems, "; ")
	case v1.ProfileStateInstalled:
		s.Message = fmt.Sprintf("installed on %d node(s)", installed)
	default:
		s.Message = fmt.Sprintf("installed on %d of %d node(s)", installed, max(nodes, len(sorted)))
	}
	return s
}

// errorReason is the node's reason when all failing nodes agree, so the
// condition says "InvalidSyscall" rather than a generic word.
func errorReason(reports []v1.SecurityProfileNodeStatus) string {
	reason := ""
	for _, r := range reports {
		if r.Status.Status != v1.ProfileStateError {
			continue
		}
		if reason != "" && reason != r.Status.Reason {
			return string(v1.ProfileStateError)
		}
		reason = r.Status.Reason
	}
	if reason == "" {
		return string(v1.ProfileStateError)
	}
	return reason
}

// Condition turns a summary into the profile's Ready condition.
func (s Summary) Condition(generation int64) metav1.Condition {
	status := metav1.ConditionFalse
	if s.State == v1.ProfileStateInstalled {
		status = metav1.ConditionTrue
	}
	return metav1.Condition{
		Type:               v1.ConditionReady,
		Status:             status,
		Reason:             s.Reason,
		Message:            s.Message,
		ObservedGeneration: generation,
	}
}

// StaleFinalizers returns the node finalizers on a profile whose nodes no
// longer exist: spo's, and those SPO's daemons left ("<node>-deleted"),
// which the daemon of a node that still exists takes over itself.
func StaleFinalizers(finalizers []string, nodes []string) []string {
	valid := make(map[string]bool, 2*len(nodes))
	for _, n := range nodes {
		valid[v1.NodeFinalizer(n)] = true
		for _, f := range takeover.SPONodeFinalizers(n) {
			valid[f] = true
		}
	}
	var stale []string
	for _, f := range finalizers {
		ours := strings.HasPrefix(f, v1.NodeFinalizerPrefix)
		if (ours || takeover.IsSPONodeFinalizer(f)) && !valid[f] {
			stale = append(stale, f)
		}
	}
	return stale
}
